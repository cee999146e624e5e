namespace Vault.Benchmarks.Compare;

/// <summary>
/// The server side of a target: processes this program started (CPU time and, from `serve` children, their own
/// figures) or processes it was only told about (--vault-pid: CPU time only). With several nodes, everything is the
/// sum over them: CPU time, allocation, errors, and the probes' counts.
/// </summary>
public sealed class ServerWatch(IReadOnlyList<ServerProcess> started, IReadOnlyList<int> pids)
{
    /// <summary>CPU time of all of them together; null if any cannot be read (or none is known).</summary>
    public TimeSpan? Cpu()
    {
        var readings = started.Select(p => p.Cpu()).Concat(pids.Select(ServerProcess.ProcCpu)).ToList();
        return readings.Count == 0 || readings.Any(r => r is null) ? null : readings.Aggregate(TimeSpan.Zero, (sum, r) => sum + r!.Value);
    }

    /// <summary>CPU time per process, in the order started ("n/a" where unreadable): how the work spread over nodes.</summary>
    public IReadOnlyList<TimeSpan?> CpuPerProcess() => started.Select(p => p.Cpu()).Concat(pids.Select(ServerProcess.ProcCpu)).ToList();

    /// <summary>The figures of the `serve` children behind the target, summed; null when a process does not report (n/a).</summary>
    public async Task<ServerStats?> StatsAsync(CancellationToken ct)
    {
        if (started.Count == 0 || pids.Count > 0)
        {
            return null;
        }
        var all = new List<ServerStats>();
        foreach (var process in started)
        {
            if (await process.StatsAsync(ct) is not { } stats)
            {
                return null;
            }
            all.Add(stats);
        }
        return all.Count == 1 ? all[0] : new ServerStats(
            all.Any(s => s.AllocatedBytes < 0) ? -1 : all.Sum(s => s.AllocatedBytes), all.Sum(s => s.Gen2Collections),
            all.Sum(s => s.Errors), all.Sum(s => s.Warnings), all.Select(s => s.FirstProblem).FirstOrDefault(p => p is not null),
            all.Any(s => s.Probe is null) ? null : all.Select(s => s.Probe!).Aggregate(Add));
    }

    private static ServerProbe.Totals Add(ServerProbe.Totals a, ServerProbe.Totals b) => new(
        a.Commands.Keys.Union(b.Commands.Keys).ToDictionary(k => k, k => a.Commands.GetValueOrDefault(k) + b.Commands.GetValueOrDefault(k)),
        a.TransactionsCommitted + b.TransactionsCommitted, a.WriteTransactionsCommitted + b.WriteTransactionsCommitted,
        a.AutocommitWrites + b.AutocommitWrites, a.BeginWaitMs + b.BeginWaitMs, a.BeginWaitsOver100Ms + b.BeginWaitsOver100Ms,
        a.AuditBatches + b.AuditBatches, a.AuditEntries + b.AuditEntries, a.WriterBatches + b.WriterBatches, a.WriterItems + b.WriterItems,
        a.WriterCommands + b.WriterCommands, a.WriterEntries + b.WriterEntries, a.OpenMs + b.OpenMs, a.CommitMs + b.CommitMs,
        a.WriterBusyMs + b.WriterBusyMs, a.WriterPublishMs + b.WriterPublishMs, a.WriterReads + b.WriterReads);
}
