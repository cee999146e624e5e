using System.Runtime.InteropServices;
using Vault.Benchmarks.Compare;
using Vault.Client;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Documents;

/// <summary>The server side of one transfer: its CPU time and its peak resident memory during the transfer.</summary>
public sealed record ServerSide(double CpuSeconds, long PeakBytes, long RssBeforeBytes);

/// <summary>One upload and the download of the same file, each process fresh (see <see cref="DocumentsCommand"/>).</summary>
public sealed record Measurement(string Store, long Bytes, int Round, TransferResult Up, ServerSide ServerUp, TransferResult Down,
    ServerSide ServerDown, int ServerErrors, string LoadAverage);

/// <summary>
/// `documents`: the document vault end to end. This process is the driver only. Per store, size and repetition it
/// starts the server's own binary (as deployed: its own GC settings, SQLite, the store under test) and an SDK client
/// process (<see cref="DocumentClient"/>), lets the client warm up with a small round trip, then has it upload a
/// generated file and download it again, verified byte for byte. Wall time and CPU are the client's; each process's
/// peak resident memory is reset before and read after each transfer. The machine's limits are measured in this
/// process before and after the transfers. See README.md and docs/benchmarks.md.
/// </summary>
public static class DocumentsCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.WriteLine(DocumentsOptions.Usage);
            return 0;
        }
        DocumentsOptions options;
        try
        {
            options = DocumentsOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + DocumentsOptions.Usage);
            return 2;
        }
        if (options.Problem() is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return 2;
        }
        using var bound = new CancellationTokenSource(options.MaxTime);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            bound.Cancel();
        }
        var ct = bound.Token;
        var output = Console.Out;
        var root = options.Data ?? Path.Combine(Path.GetTempPath(), "vault-bench", "documents-" + Guid.NewGuid().ToString("N"));
        var header = Header(args, options, root);
        header.ForEach(output.WriteLine);

        var before = new List<LimitSample>();
        var after = new List<LimitSample>();
        var measurements = new List<Measurement>();
        var failures = 0;
        PrivateS3rver? s3 = null;
        var stopped = false;
        try
        {
            var fsData = Path.Combine(root, "fs");
            Directory.CreateDirectory(fsData);
            await SampleLimitsAsync("before", fsData, options, before, output, ct);
            var stores = new List<Store>();
            foreach (var name in options.Stores)
            {
                var settings = new Dictionary<string, string>();
                if (name == "s3")
                {
                    s3 = await PrivateS3rver.StartAsync(Path.Combine(root, "s3rver"), ct);
                    output.WriteLine(Invariant($"s3rver pid {s3.Pid} on 127.0.0.1:{s3.Port}, bucket {s3.Bucket}"));
                    settings = s3.Settings;
                }
                foreach (var (key, value) in options.ServerSettings)
                {
                    settings[key] = value;
                }
                var count = options.SizesMiB.Count * options.Repeat;
                stores.Add(await DocumentsSetup.SetUpAsync(name, Path.Combine(root, name), settings, count, null, output, ct));
                if (options.Baseline is { } baseline)
                {
                    stores.Add(await DocumentsSetup.SetUpAsync(name + "-baseline", Path.Combine(root, name + "-baseline"), settings, count, baseline, output, ct));
                }
            }
            // Interleaved (round by round, store by store) so that the machine's slower minutes spread over everything.
            for (var round = 1; round <= options.Repeat; round++)
            {
                foreach (var store in stores)
                {
                    foreach (var size in options.SizesMiB)
                    {
                        try
                        {
                            var m = await MeasureAsync(store, size * 1024L * 1024, round, 1000 + measurements.Count + failures, options.Perf, ct);
                            measurements.Add(m);
                            output.WriteLine(DocumentsReport.Describe(m));
                            failures += m.Up.Verified && m.Down.Verified && m.ServerErrors == 0 ? 0 : 1;
                        }
                        catch (Exception e) when (e is InvalidOperationException or VaultApiException or HttpRequestException or TimeoutException)
                        {
                            failures++;
                            output.WriteLine(Invariant($"FAILED {store.Name} {size} MiB round {round}: {e.GetType().Name}: {e.Message}"));
                        }
                    }
                }
            }
            await SampleLimitsAsync("after", fsData, options, after, output, ct);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            stopped = true;
            output.WriteLine(Invariant($"STOPPED (--max-seconds {options.MaxTime.TotalSeconds:0} exceeded, or a signal); results so far follow"));
        }
        finally
        {
            if (s3 is not null)
            {
                await s3.DisposeAsync();
            }
            if (options.Data is null)
            {
                TryDelete(root);
            }
        }

        var tables = DocumentsReport.Tables(options, before, after, measurements);
        output.WriteLine();
        tables.ForEach(output.WriteLine);
        if (options.Markdown is { } file)
        {
            File.WriteAllLines(file, header.Select(h => "    " + h).Prepend("").Concat(tables.Prepend("")));
            output.WriteLine("tables written to " + file);
        }
        output.WriteLine(Invariant($"failed transfers (not verified, a server error, or an exception): {failures}"));
        return failures > 0 || stopped ? 1 : 0;
    }

    private static async Task SampleLimitsAsync(string when, string directory, DocumentsOptions options, List<LimitSample> samples,
        TextWriter output, CancellationToken ct)
    {
        for (var i = 0; i < options.LimitSamples; i++)
        {
            var s = await MachineLimits.MeasureAsync(directory, options.CryptoMiB * 1024L * 1024, options.DiskMiB * 1024L * 1024, ct);
            samples.Add(s);
            output.WriteLine(Invariant($"limits {when} {i + 1}: secretstream push {s.SecretStreamPush:0} MB/s, disk write + fsync {s.Disk:0} MB/s; SDK upload crypto {s.UploadCrypto:0}, download crypto {s.DownloadCrypto:0}, file store 8 MiB objects {s.StorePattern:0} MB/s; load average {MachineSampler.LoadAverage()}"));
        }
    }

    private static async Task<Measurement> MeasureAsync(Store store, long bytes, int round, int seed, string? perf, CancellationToken ct)
    {
        var family = store.Families.Dequeue();
        var load = MachineSampler.LoadAverage();
        var environment = perf is null ? new Dictionary<string, string>() : Perf.Environment;
        await using var server = DocumentsSetup.StartServer(Invariant($"vault-{store.Name}"), store.DataDirectory, store.Settings.Concat(environment), store.Build);
        var url = await server.Url.WaitAsync(TimeSpan.FromMinutes(2), ct);
        await using var client = await ClientProcess.StartAsync(url, family.FamilyId, family.Code, family.Username, environment, store.Build, ct);
        var name = Invariant($"{store.Name}-{bytes >> 20}mib-round{round}");
        // Two passes: the runtime starts counting calls (for tier 1) only once tier-0 compiling has paused, so the first
        // pass mostly compiles tier 0 and the second one makes the hot methods reach tier 1 before anything is measured.
        for (var pass = 0; pass < 2; pass++)
        {
            await client.WarmUpAsync(ct);
            await WaitForQuietAsync(server.Pid, client.Pid, ct);
        }

        var (upStart, upRss) = ResetServer(server);
        TransferResult up;
        await using (Perf.Start(perf, name + "-upload", server.Pid, client.Pid))
        {
            up = await client.UploadAsync(bytes, seed, ct);
        }
        var serverUp = ServerAfter(server, upStart, upRss);
        var (downStart, downRss) = ResetServer(server);
        TransferResult down;
        await using (Perf.Start(perf, name + "-download", server.Pid, client.Pid))
        {
            down = await client.DownloadAsync(up.DocumentId, up.Version, bytes, seed, ct);
        }
        var serverDown = ServerAfter(server, downStart, downRss);
        var stats = await server.StatsAsync(ct);
        return new Measurement(store.Name, bytes, round, up, serverUp, down, serverDown, stats?.Errors ?? 0, load);
    }

    /// <summary>
    /// After the client's warm-up, until neither process uses more than 5 % of a core over 250 ms (at most 30 s): the
    /// runtime compiles hot methods again in the background (tier 1), which must not land in the measured transfer.
    /// </summary>
    private static async Task WaitForQuietAsync(int server, int client, CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(250);
        var bound = System.Diagnostics.Stopwatch.StartNew();
        var last = (ServerProcess.ProcCpu(server), ServerProcess.ProcCpu(client));
        while (bound.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(interval, ct);
            var now = (ServerProcess.ProcCpu(server), ServerProcess.ProcCpu(client));
            if (now.Item1 - last.Item1 < interval * 0.05 && now.Item2 - last.Item2 < interval * 0.05)
            {
                return;
            }
            last = now;
        }
    }

    private static (double Cpu, long Rss) ResetServer(ServerProcess server)
    {
        ProcMemory.ResetPeak(server.Pid);
        return (server.Cpu()?.TotalSeconds ?? double.NaN, ProcMemory.Rss(server.Pid));
    }

    private static ServerSide ServerAfter(ServerProcess server, double cpuStart, long rssBefore) =>
        new((server.Cpu()?.TotalSeconds ?? double.NaN) - cpuStart, ProcMemory.Peak(server.Pid), rssBefore);

    private static List<string> Header(string[] args, DocumentsOptions options, string root) =>
    [
        Invariant($"# Vault documents: upload and download end to end, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}"),
        Invariant($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average at start {MachineSampler.LoadAverage()}"),
        "commit: " + CompareCommand.Commit() + (options.Baseline is { } b ? " (baseline: the build in " + b + ")" : ""),
        "command: dotnet run -c Release --project tests/Vault.Benchmarks -- documents " + string.Join(' ', args),
        Invariant($"sizes {string.Join(", ", options.SizesMiB)} MiB; stores {string.Join(", ", options.Stores)}; {options.Repeat} measurements each (fresh server and client process each); limits: {options.LimitSamples} samples before and after, {options.CryptoMiB} MiB crypto / {options.DiskMiB} MiB disk per sample; data under {root}"),
        "processes: driver (this one: limits, setup); server = Vault.Server.dll as built (Production, SQLite, server GC with DATAS, settings of BenchServer.LoadSettings); client = this program's documents-client (the SDK, workstation GC); s3rver = node",
    ];

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }
}
