using System.Diagnostics;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Compare;

public enum Load
{
    WarmUp,
    Closed,
    Paced,
}

public sealed record PhaseSpec(int Round, int Connections, Load Load, TimeSpan Duration, double Rate);

/// <summary>
/// The database work of one phase (Vault with the probe only), per message the server handled: EF Core's commands and
/// transactions plus the writer's (its prepared commands and committed batches, from its counters).
/// <paramref name="WriterBusy"/>: the writer's time on batches ÷ the phase's time (summed over nodes: up to one per
/// node); <paramref name="WriterPublishing"/> the part of it spent publishing deliveries after the commit.
/// <paramref name="TransactionsOpen"/>: the time committed transactions were open (from BEGIN to the end of COMMIT)
/// divided by the phase's time — with one writer, near 1 means the writer was never idle.
/// <paramref name="ThreadsInBegin"/>: the time all transactions spent waiting to BEGIN (with SQLite: for the one write
/// lock) divided by the phase's time — how many requests were blocked there on average.
/// </summary>
public sealed record SqlPerMessage(double Commands, double Reads, double Writes, double WriteTransactions, double AutocommitWrites,
    long BeginWaitsOver100Ms, double ThreadsInBegin, double AuditEntriesPerBatch, string TopStatements,
    long WriterBatches = 0, double ItemsPerBatch = 0, double WriterCommands = 0, double? TransactionsPerBatch = null,
    double TransactionsOpen = 0, double? CommitMsMean = null, double WriterBusy = 0, double WriterPublishing = 0);

public sealed record PhaseResult(string Arm, PhaseSpec Spec, TimeSpan SendWindow, TimeSpan Total, PhaseTracker.Totals Totals,
    long SendErrors, long Strays, int ServerErrors, int ServerWarnings, double? ServerCpuMsPerMessage, double? ServerCpuPercent,
    double DriverCpuPercent, double? AllocatedKbPerMessage, SqlPerMessage? Sql, string SqlNote, string LoadAverage, string Notes)
{
    public double MessagesPerSecond => Totals.Sent / SendWindow.TotalSeconds;
    public double DeliveriesPerSecond => Totals.Delivered / Total.TotalSeconds;
    public long Faults => Totals.Faults + SendErrors + Strays + ServerErrors;
}

/// <summary>
/// One phase against one target: every connection sends — closed loop (the next message when the previous one is
/// acknowledged) or paced (a fixed total rate spread evenly over the senders, still one message in flight each) —
/// for a fixed time; then each group's first member sends a marker, which follows everything of the phase, and the
/// phase ends when every connection saw its marker (or after the drain bound: the rest counts as lost).
/// Server CPU, allocation and SQL are read before the first send and after the last marker.
/// </summary>
public static class Phase
{
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(60);
    private static int phases;

    public static async Task<PhaseResult> RunAsync(ILoadTarget target, PhaseSpec spec, CancellationToken ct)
    {
        var tracker = new PhaseTracker(Interlocked.Increment(ref phases), spec.Connections, target.GroupSize);
        var loadBefore = MachineSampler.LoadAverage();
        var statsBefore = await target.Watch.StatsAsync(ct);
        var cpuBefore = target.Watch.Cpu();
        var perNodeBefore = target.Watch.CpuPerProcess();
        var driverBefore = Process.GetCurrentProcess().TotalProcessorTime;
        target.Begin(tracker);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, spec.Connections).Select(sender => SendLoopAsync(target, tracker, sender, spec, clock, ct)));
        var sendWindow = clock.Elapsed;
        var groups = spec.Connections / target.GroupSize;
        await Task.WhenAll(Enumerable.Range(0, groups).Select(g => target.SendMarkerAsync(g, ct)));
        try
        {
            await tracker.AllMarkers.WaitAsync(DrainBound, ct);
        }
        catch (TimeoutException)
        {
            // counted: markers missing, deliveries lost
        }
        var total = clock.Elapsed;
        var cpuAfter = target.Watch.Cpu();
        var perNodeAfter = target.Watch.CpuPerProcess();
        var driverCpu = Process.GetCurrentProcess().TotalProcessorTime - driverBefore;
        var statsAfter = await target.Watch.StatsAsync(ct);
        await target.EndAsync();
        var totals = tracker.Sum();
        var messages = totals.Sent + groups; // the markers are messages the server handled too
        var (notes, strays) = target.Notes();
        var serverCpu = cpuAfter - cpuBefore;
        double? allocated = statsBefore is { AllocatedBytes: >= 0 } && statsAfter is { AllocatedBytes: >= 0 }
            ? (statsAfter.AllocatedBytes - statsBefore.AllocatedBytes) / 1024.0 / messages : null;
        var (sql, sqlNote) = target.HasDatabase ? Sql(statsBefore?.Probe, statsAfter?.Probe, messages, total) : (null, "none (no database)");
        return new PhaseResult(target.Name, spec, sendWindow, total, totals, tracker.SendErrors.Count, strays,
            (statsAfter?.Errors ?? 0) - (statsBefore?.Errors ?? 0), (statsAfter?.Warnings ?? 0) - (statsBefore?.Warnings ?? 0),
            serverCpu?.TotalMilliseconds / messages, serverCpu?.TotalMilliseconds / total.TotalMilliseconds * 100,
            driverCpu.TotalMilliseconds / total.TotalMilliseconds * 100, allocated, sql, sqlNote,
            loadBefore + " → " + MachineSampler.LoadAverage(), Notes(PerNode(perNodeBefore, perNodeAfter, total) + notes, tracker, statsBefore, statsAfter));
    }

    /// <summary>"server CPU per node: 41 %, 38 % of one core; " with several server processes, else empty.</summary>
    private static string PerNode(IReadOnlyList<TimeSpan?> before, IReadOnlyList<TimeSpan?> after, TimeSpan phase) =>
        before.Count < 2 ? "" : "server CPU per node: " + string.Join(", ", before.Zip(after, (b, a) => a - b is { } d
            ? Invariant($"{d.TotalMilliseconds / phase.TotalMilliseconds * 100:0} %") : "n/a")) + " of one core; ";

    private static string Notes(string target, PhaseTracker tracker, ServerStats? before, ServerStats? after)
    {
        var notes = new List<string> { target };
        if (tracker.SendErrors.TryPeek(out var error))
        {
            notes.Add("first send error: " + error);
        }
        if (after?.FirstProblem is { } problem && after.Errors + after.Warnings > (before?.Errors ?? 0) + (before?.Warnings ?? 0))
        {
            notes.Add("the server logged (first of the run): " + problem);
        }
        return string.Join("; ", notes.Where(n => n.Length > 0));
    }

    private static async Task SendLoopAsync(ILoadTarget target, PhaseTracker tracker, int sender, PhaseSpec spec, Stopwatch clock,
        CancellationToken ct)
    {
        var period = spec.Rate > 0 ? TimeSpan.FromSeconds(spec.Connections / spec.Rate) : TimeSpan.Zero;
        var next = period * sender / spec.Connections; // senders start spread over one period: an even total rate
        for (var k = 0; spec.Load == Load.WarmUp ? k < 1 : clock.Elapsed < spec.Duration; k++)
        {
            if (period > TimeSpan.Zero)
            {
                if (next >= spec.Duration)
                {
                    break; // the next slot is after the phase
                }
                if (next - clock.Elapsed is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, ct);
                }
                next += period;
            }
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                await target.SendAsync(sender, k, t0, ct);
                tracker.Acknowledged(sender, t0);
            }
#pragma warning disable CA1031 // every failure is counted and reported, whatever it is
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                tracker.SendErrors.Enqueue($"sender {sender}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static (SqlPerMessage? Sql, string Note) Sql(ServerProbe.Totals? before, ServerProbe.Totals? after, long messages, TimeSpan phase)
    {
        if (before is null || after is null)
        {
            return (null, "n/a (no EF probe: the server runs outside this program, or --no-probe)");
        }
        var commands = after.Commands.ToDictionary(c => c.Key, c => c.Value - before.Commands.GetValueOrDefault(c.Key));
        var writerCommands = after.WriterCommands - before.WriterCommands;
        var writerReads = after.WriterReads - before.WriterReads;
        var writerBatches = after.WriterBatches - before.WriterBatches;
        if (writerCommands - writerReads > 0)
        {
            commands["writer INSERT/UPDATE"] = writerCommands - writerReads; // the writer's prepared writes
        }
        if (writerReads > 0)
        {
            commands["SELECT Families (writer's access stamps)"] = writerReads; // its own prepared reads
        }
        var count = commands.Values.Sum();
        if (count == 0 && writerBatches == 0)
        {
            return (null, "n/a: the probe counted no SQL in this phase (neither through EF Core nor by the writer)");
        }
        long Sum(Func<string, bool> kind) => commands.Where(c => kind(c.Key)).Sum(c => c.Value);
        var reads = Sum(k => k.StartsWith("SELECT", StringComparison.Ordinal));
        var writes = Sum(k => k.StartsWith("INSERT", StringComparison.Ordinal) || k.StartsWith("UPDATE", StringComparison.Ordinal)
            || k.StartsWith("DELETE", StringComparison.Ordinal) || k.StartsWith("REPLACE", StringComparison.Ordinal))
            + writerCommands - writerReads;
        var autocommit = after.AutocommitWrites - before.AutocommitWrites;
        // The writer's transactions write through its own commands only, which EF never sees: the probe's EF write
        // transactions and the writer's batches are disjoint.
        var writeTransactions = after.WriteTransactionsCommitted - before.WriteTransactionsCommitted + autocommit + writerBatches;
        var batches = writerBatches > 0 ? writerBatches : after.AuditBatches - before.AuditBatches;
        var entries = writerBatches > 0 ? after.WriterEntries - before.WriterEntries : after.AuditEntries - before.AuditEntries;
        var items = after.WriterItems - before.WriterItems;
        var top = string.Join(", ", commands.Where(c => c.Value > 0).OrderByDescending(c => c.Value).Take(8)
            .Select(c => Invariant($"{c.Key} {c.Value / (double)messages:0.0}")));
        return (new SqlPerMessage(count / (double)messages, reads / (double)messages, writes / (double)messages,
            writeTransactions / (double)messages, autocommit / (double)messages, after.BeginWaitsOver100Ms - before.BeginWaitsOver100Ms,
            (after.BeginWaitMs - before.BeginWaitMs) / phase.TotalMilliseconds, batches == 0 ? 0 : entries / (double)batches, top,
            writerBatches, writerBatches == 0 ? 0 : items / (double)writerBatches, writerCommands / (double)messages,
            writerBatches == 0 ? null : writeTransactions / (double)writerBatches,
            (after.OpenMs - before.OpenMs) / phase.TotalMilliseconds,
            after.TransactionsCommitted == before.TransactionsCommitted ? null
                : (after.CommitMs - before.CommitMs) / (after.TransactionsCommitted - before.TransactionsCommitted),
            (after.WriterBusyMs - before.WriterBusyMs) / phase.TotalMilliseconds, (after.WriterPublishMs - before.WriterPublishMs) / phase.TotalMilliseconds),
            "EF Core probe and the writer's counters in the server process");
    }
}
