namespace Vault.Benchmarks.Compare;

/// <summary>
/// The server side of a target: processes this program started (CPU time and, from a `serve` child, its own
/// figures) or processes it was only told about (--vault-pid: CPU time only).
/// </summary>
public sealed class ServerWatch(IReadOnlyList<ServerProcess> started, IReadOnlyList<int> pids)
{
    /// <summary>CPU time of all of them together; null if any cannot be read (or none is known).</summary>
    public TimeSpan? Cpu()
    {
        var readings = started.Select(p => p.Cpu()).Concat(pids.Select(ServerProcess.ProcCpu)).ToList();
        return readings.Count == 0 || readings.Any(r => r is null) ? null : readings.Aggregate(TimeSpan.Zero, (sum, r) => sum + r!.Value);
    }

    /// <summary>The figures of the one `serve` child behind the target; null with several processes or none (n/a).</summary>
    public async Task<ServerStats?> StatsAsync(CancellationToken ct) =>
        started.Count == 1 && pids.Count == 0 ? await started[0].StatsAsync(ct) : null;
}
