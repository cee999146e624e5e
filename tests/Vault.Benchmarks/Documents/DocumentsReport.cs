using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Documents;

/// <summary>The tables of a `documents` run, Markdown, with the issue's targets (issue 11) checked against them.</summary>
public static class DocumentsReport
{
    private const double MiB = 1024 * 1024;
    private const double ThroughputTarget = 0.5; // × min(secretstream push, disk write), file store
    private const long MemoryBound = 64L * 1024 * 1024; // peak(largest) − peak(smallest)
    private static readonly bool[] Directions = [true, false]; // upload, download

    public static string Describe(Measurement m) => Invariant(
        $"{m.Store} {m.Bytes / MiB:0} MiB round {m.Round} (load {m.LoadAverage}): upload {Speed(m.Up):0} MB/s (client CPU {m.Up.CpuSeconds:0.00} s, server CPU {m.ServerUp.CpuSeconds:0.00} s, peak client {m.Up.PeakBytes / MiB:0} / server {m.ServerUp.PeakBytes / MiB:0} MiB); download {Speed(m.Down):0} MB/s (client CPU {m.Down.CpuSeconds:0.00} s, server CPU {m.ServerDown.CpuSeconds:0.00} s, peak client {m.Down.PeakBytes / MiB:0} / server {m.ServerDown.PeakBytes / MiB:0} MiB); verified {m.Up.Verified && m.Down.Verified}; server errors {m.ServerErrors}");

    private static double Speed(TransferResult t) => t.Bytes / t.Seconds / 1e6;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(List<double> values, string format) => values.Count < 2
        ? Median(values).ToString(format, System.Globalization.CultureInfo.InvariantCulture)
        : Invariant($"{Median(values).ToString(format, System.Globalization.CultureInfo.InvariantCulture)} ({values.Min().ToString(format, System.Globalization.CultureInfo.InvariantCulture)}–{values.Max().ToString(format, System.Globalization.CultureInfo.InvariantCulture)})");

    public static List<string> Tables(DocumentsOptions options, IReadOnlyList<LimitSample> before, IReadOnlyList<LimitSample> after,
        IReadOnlyList<Measurement> measurements)
    {
        var all = before.Concat(after).ToList();
        var push = Median(all.Select(s => s.SecretStreamPush));
        var disk = Median(all.Select(s => s.Disk));
        var limit = Math.Min(push, disk);
        var lines = new List<string>
        {
            "#### The machine's limits in this run (MB/s = 10^6 bytes/s; one thread; median (min–max) of the samples)",
            "",
            "| limit | before the transfers | after them | all samples |",
            "| --- | --- | --- | --- |",
        };
        void Limit(string name, Func<LimitSample, double> pick) => lines.Add(Invariant(
            $"| {name} | {Spread(before.Select(pick).ToList(), "0")} | {Spread(after.Select(pick).ToList(), "0")} | {Spread(all.Select(pick).ToList(), "0")} |"));
        Limit("**secretstream push** (Vault.Crypto, 64 KiB chunks)", s => s.SecretStreamPush);
        Limit("**sequential disk write** (1 MiB writes, then fsync; the file store's data directory)", s => s.Disk);
        Limit("for reading: SDK upload crypto (push + SHA-256 of the ciphertext)", s => s.UploadCrypto);
        Limit("for reading: SDK download crypto (SHA-256 + pull)", s => s.DownloadCrypto);
        Limit("for reading: the file store's writes (FileSystemBlobStore, 8 MiB objects, fsync + rename each)", s => s.StorePattern);
        lines.Add("");
        lines.Add(Invariant($"Limit for the targets: min(secretstream {push:0}, disk {disk:0}) = **{limit:0} MB/s**; the target is ≥ {ThroughputTarget * limit:0} MB/s."));
        lines.Add("");

        lines.Add("#### Transfers (median (min–max) of the measurements; MB/s of plaintext over the SDK call; CPU seconds per transfer; peak = VmHWM during the transfer, RSS before it in brackets)");
        lines.Add("");
        lines.Add("| store | size | direction | MB/s | ÷ limit | client CPU s | server CPU s | client peak MiB | server peak MiB | load average (1 min) |");
        lines.Add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in measurements.GroupBy(m => (m.Store, m.Bytes)).OrderBy(g => g.Key.Store).ThenBy(g => g.Key.Bytes))
        {
            foreach (var up in Directions)
            {
                var transfers = group.Select(m => (Client: up ? m.Up : m.Down, Server: up ? m.ServerUp : m.ServerDown, m.LoadAverage)).ToList();
                var speeds = transfers.Select(t => Speed(t.Client)).ToList();
                lines.Add(Invariant(
                    $"| {group.Key.Store} | {group.Key.Bytes / MiB:0} MiB | {(up ? "upload" : "download")} | {Spread(speeds, "0")} | {Median(speeds) / limit:0.00} | {Spread(transfers.Select(t => t.Client.CpuSeconds).ToList(), "0.00")} | {Spread(transfers.Select(t => t.Server.CpuSeconds).ToList(), "0.00")} | {Median(transfers.Select(t => t.Client.PeakBytes / MiB)):0} ({Median(transfers.Select(t => t.Client.RssBeforeBytes / MiB)):0}) | {Median(transfers.Select(t => t.Server.PeakBytes / MiB)):0} ({Median(transfers.Select(t => t.Server.RssBeforeBytes / MiB)):0}) | {string.Join(", ", transfers.Select(t => t.LoadAverage.Split(' ')[0]))} |"));
            }
        }
        lines.Add("");
        lines.AddRange(TimeSplits(measurements));
        lines.Add("");
        lines.AddRange(Targets(options, limit, measurements));
        return lines;
    }

    /// <summary>Where the wall time of a transfer went, from the client's request timer (medians, seconds).</summary>
    private static List<string> TimeSplits(IReadOnlyList<Measurement> measurements)
    {
        var lines = new List<string>
        {
            "#### Where the time goes (medians, seconds per transfer; from the client's view of its requests)",
            "",
            "PATCH body: sending a block while the SDK reads, encrypts and hashes it, at the pace the server stores it; PATCH wait: from the block's last byte to the answer (the server closing, fsyncing and renaming the object, and its two database commits); rest: the SDK outside requests (for a download: reading, hashing and decrypting the body).",
            "",
            "| store | size | direction | wall | PATCHes | PATCH body | PATCH wait (per PATCH) | content GET to headers | other requests (n) | rest | client CPU (of it JIT) | server CPU |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var group in measurements.GroupBy(m => (m.Store, m.Bytes)).OrderBy(g => g.Key.Store).ThenBy(g => g.Key.Bytes))
        {
            foreach (var up in Directions)
            {
                var t = group.Select(m => (Client: up ? m.Up : m.Down, Server: up ? m.ServerUp : m.ServerDown)).ToList();
                double M(Func<(TransferResult Client, ServerSide Server), double> pick) => Median(t.Select(pick));
                var patches = M(x => x.Client.Split.Patches);
                var wait = M(x => x.Client.Split.PatchWait);
                lines.Add(Invariant(
                    $"| {group.Key.Store} | {group.Key.Bytes / MiB:0} MiB | {(up ? "upload" : "download")} | {M(x => x.Client.Seconds):0.00} | {patches:0} | {M(x => x.Client.Split.PatchBody):0.00} | {wait:0.00}{(patches > 0 ? Invariant($" ({wait / patches * 1000:0} ms)") : "")} | {M(x => x.Client.Split.ContentHeaders):0.00} | {M(x => x.Client.Split.Other):0.00} ({M(x => x.Client.Split.OtherRequests):0}) | {M(x => x.Client.Seconds - x.Client.Split.PatchBody - x.Client.Split.PatchWait - x.Client.Split.ContentHeaders - x.Client.Split.Other):0.00} | {M(x => x.Client.CpuSeconds):0.00} ({M(x => x.Client.JitSeconds):0.00}) | {M(x => x.Server.CpuSeconds):0.00} |"));
            }
        }
        return lines;
    }

    private static List<string> Targets(DocumentsOptions options, double limit, IReadOnlyList<Measurement> measurements)
    {
        var small = options.SizesMiB[0] * 1024L * 1024;
        var large = options.SizesMiB[^1] * 1024L * 1024;
        var lines = new List<string>
        {
            Invariant($"#### Against the targets of issue 11 (medians; memory: {options.SizesMiB[^1]} MiB against {options.SizesMiB[0]} MiB)"),
            "",
            "| target | measured | result |",
            "| --- | --- | --- |",
        };
        var stores = measurements.Select(m => m.Store).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var store in stores.Where(s => s.StartsWith("fs", StringComparison.Ordinal)))
        {
            foreach (var up in Directions)
            {
                var ratios = measurements.Where(m => m.Store == store).GroupBy(m => m.Bytes).OrderBy(g => g.Key)
                    .Select(g => (Size: g.Key, Ratio: Median(g.Select(m => Speed(up ? m.Up : m.Down))) / limit)).ToList();
                lines.Add(Invariant(
                    $"| {(up ? "upload" : "download")}, {store}: ≥ {ThroughputTarget:0.0} × limit | {string.Join("; ", ratios.Select(r => Invariant($"{r.Size / MiB:0} MiB: {r.Ratio:0.00} ×")))} | {(ratios.All(r => r.Ratio >= ThroughputTarget) ? "**met**" : "**missed**")} |"));
            }
        }
        foreach (var store in stores)
        {
            foreach (var side in new[] { "server", "client" })
            {
                var deltas = Directions.Select(up =>
                {
                    double Peak(long size) => Median(measurements.Where(m => m.Store == store && m.Bytes == size)
                        .Select(m => (double)(side == "server" ? (up ? m.ServerUp : m.ServerDown).PeakBytes : (up ? m.Up : m.Down).PeakBytes)));
                    return (Up: up, Delta: Peak(large) - Peak(small));
                }).ToList();
                if (deltas.Any(d => double.IsNaN(d.Delta)) || small == large)
                {
                    continue;
                }
                lines.Add(Invariant(
                    $"| {side} peak memory, {store}: {options.SizesMiB[^1]} MiB within +64 MiB of {options.SizesMiB[0]} MiB | {string.Join("; ", deltas.Select(d => Invariant($"{(d.Up ? "upload" : "download")} {d.Delta / MiB:+0;-0;0} MiB")))} | {(deltas.All(d => d.Delta <= MemoryBound) ? "**met**" : "**missed**")} |"));
            }
        }
        return lines;
    }
}
