using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks;

/// <summary>Turns a window of <see cref="ServerProbe"/> samples into report lines.</summary>
public static class ProbeReport
{
    /// <summary>"150–175 ms: 12, 300–325 ms: 3": waits that are multiples of a fixed sleep cluster in a few bins.</summary>
    public static string Bins(IEnumerable<double> milliseconds)
    {
        var bins = milliseconds.Where(ms => ms >= 100).GroupBy(ms => (int)(ms / 25)).OrderBy(g => g.Key)
            .Select(g => Invariant($"{g.Key * 25}–{g.Key * 25 + 25}: {g.Count()}")).ToList();
        return bins.Count == 0 ? "none" : string.Join(", ", bins);
    }

    public static IEnumerable<string> Describe(ServerProbe.Window window, TimeSpan elapsed, int perUnit, string unit)
    {
        var commands = window.Commands;
        var per = perUnit > 0 ? Invariant($", {commands.Count / (double)perUnit:0.0} per {unit}") : "";
        yield return Invariant($"SQL commands: {commands.Count} ({commands.Count / elapsed.TotalSeconds:0}/s{per}), time in commands {commands.Sum(c => c.Ms) / 1000:0.0} s, failed {commands.Count(c => c.Failed)}, ≥100 ms: {commands.Count(c => c.Ms >= 100)}");
        foreach (var group in commands.GroupBy(c => c.Key).OrderByDescending(g => g.Count()).Take(12))
        {
            var share = perUnit > 0 ? Invariant($" ({group.Count() / (double)perUnit:0.00} per {unit})") : "";
            yield return Invariant($"    {group.Key,-28} {group.Count(),7}{share}  {Latency(group.Select(c => c.Ms))}");
        }
        yield return "write transactions, time to BEGIN (waiting for SQLite's write lock): " + Latency(window.BeginMs)
            + Invariant($"; ≥100 ms: {window.BeginMs.Count(ms => ms >= 100)}");
        yield return "    BEGIN waits ≥100 ms in 25-ms bins (Microsoft.Data.Sqlite retries SQLITE_BUSY with Thread.Sleep(150)): " + Bins(window.BeginMs);
        var writes = commands.Where(c => c.Key.StartsWith("UPDATE", StringComparison.Ordinal) || c.Key.StartsWith("DELETE", StringComparison.Ordinal)).Select(c => c.Ms).ToList();
        yield return "    UPDATE/DELETE statements ≥100 ms, same bins: " + Bins(writes);
        yield return "COMMIT: " + Latency(window.CommitMs);
        var batches = window.AuditBatches;
        if (batches.Count > 0)
        {
            var entries = batches.Sum(b => b.Entries);
            yield return Invariant($"audit writer: {entries} entries in {batches.Count} batches ({entries / elapsed.TotalSeconds:0} entries/s, {batches.Count / elapsed.TotalSeconds:0.0} batches/s), entries per batch mean {entries / (double)batches.Count:0.0} / max {batches.Max(b => b.Entries)}");
            yield return "    batch SaveChanges duration: " + Latency(batches.Select(b => b.Ms))
                + Invariant($"; writer busy {batches.Sum(b => b.Ms) / elapsed.TotalMilliseconds * 100:0}% of the time");
        }
    }
}
