using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks;

/// <summary>
/// dotnet run -c Release --project tests/Vault.Benchmarks -- [messaging] [audit] [crypto] [options]
/// Starts the real server in this process on loopback and drives it with real SDK clients. See README.md.
/// </summary>
public static class Bench
{
    private const string Usage = """
        usage: dotnet run -c Release --project tests/Vault.Benchmarks -- compare [options]   (see compare --help)
               dotnet run -c Release --project tests/Vault.Benchmarks -- documents [options] (see documents --help)
               dotnet run -c Release --project tests/Vault.Benchmarks -- export [options]    (see export --help)
               dotnet run -c Release --project tests/Vault.Benchmarks -- [messaging] [audit] [crypto] [options]
          compare: Vault's hub against a bare SignalR hub, each in its own process, A/B in one run (docs/benchmarks.md)
          documents: document upload and download end to end against the machine's limits, with peak memory (docs/benchmarks.md)
          export: the data-subject export of a family and one a tenth of its size, peak memory of server and SDK (docs/benchmarks.md)
          no scenario named: messaging and audit (crypto runs BenchmarkDotNet, in process, about a minute)
          --families N            families (default 40)
          --members N             members per family, each with a hub connection (default 6, at least 2)
          --duration S            closed-loop messaging phase, seconds (default 15)
          --paced S               paced messaging phase, seconds (default 10; 0 skips it)
          --rate R                total msg/s of the paced phase (default: half the closed-loop rate)
          --audit-duration S      seconds per audit level (default 4)
          --audit-concurrency L   direct append concurrency levels (default 1,16,256)
          --http-concurrency N    concurrent clients for audited history reads (default 64)
          --setup-parallelism N   users registered at once during setup (default 4)
          --max-seconds S         hard bound on the whole run (default 600)
          --what-if-busy-timeout MS   experiment: alternate phases without and with PRAGMA busy_timeout = MS on the
                                  server's connections (A/B in one run, same users and machine; see README)
          --rounds N              A/B rounds of the experiment (default 2)
        """;

    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "compare":
                return await Compare.CompareCommand.RunAsync(args[1..]);
            case "serve":
                return await Compare.Serve.RunAsync(args);
            case "documents":
                return await Documents.DocumentsCommand.RunAsync(args[1..]);
            case "documents-client":
                return await Documents.DocumentClient.RunAsync(args[1..]);
            case "export":
                return await Export.ExportCommand.RunAsync(args[1..]);
            case "export-client":
                return await Export.ExportClient.RunAsync(args[1..]);
        }
        var scenarios = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsValue(args, a)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (args.Contains("--help") || scenarios.Except(["messaging", "audit", "crypto"]).Any())
        {
            Console.WriteLine(Usage);
            return args.Contains("--help") ? 0 : 2;
        }
        if (scenarios.Count == 0)
        {
            scenarios = ["messaging", "audit"];
        }
        if (scenarios.Contains("crypto"))
        {
            RunCrypto();
            if (scenarios.Count == 1)
            {
                return 0;
            }
        }

        var families = Option(args, "--families", 40);
        var members = Math.Max(2, Option(args, "--members", 6));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(Option(args, "--max-seconds", 600)));
        var ct = bound.Token;
        var output = Console.Out;
        output.WriteLine(Invariant($"# Vault load benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}"));
        output.WriteLine(Invariant($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, load average {MachineSampler.LoadAverage()}"));
        output.WriteLine("arguments: " + (args.Length == 0 ? "(defaults)" : string.Join(' ', args)));

        var busyTimeout = OptionText(args, "--what-if-busy-timeout") is { } ms ? int.Parse(ms, CultureInfo.InvariantCulture) : (int?)null;
        await using var server = new BenchServer { BusyTimeoutExperiment = busyTimeout is not null };
        if (busyTimeout is not null)
        {
            output.WriteLine(Invariant($"WHAT-IF experiment: phases alternate PRAGMA busy_timeout = 0 (as the server runs) and = {busyTimeout} on every server connection"));
        }
        var roster = new Roster(server);
        var setupMachine = new MachineSampler();
        await roster.SetUpAsync(families, members, Option(args, "--setup-parallelism", 4), ct);
        output.WriteLine(Invariant($"setup: {roster.Families.Count} families, {roster.Users} users (each: invitation, Argon2id at registration and login, token) in {roster.SetupTime.TotalSeconds:0.0} s = {roster.SetupTime.TotalMilliseconds / roster.Users:0} ms per user; one Argon2id derivation alone: {ArgonMilliseconds():0} ms"));
        output.WriteLine("setup " + await setupMachine.StopAsync());
        var setupRequests = server.Requests.ToList();
        output.WriteLine(Invariant($"setup HTTP requests: {setupRequests.Count} ({setupRequests.Count / (double)roster.Users:0.0} per user), by total time:"));
        foreach (var route in setupRequests.GroupBy(r => r.Route).OrderByDescending(g => g.Sum(r => r.Ms)).Take(8))
        {
            output.WriteLine(Invariant($"    {route.Key,-48} {route.Count(),5}  total {route.Sum(r => r.Ms) / 1000,6:0.0} s  {Latency(route.Select(r => r.Ms))}"));
        }
        foreach (var line in ProbeReport.Describe(server.Probe.Since(new ServerProbe.Position(0, 0, 0, 0)), roster.SetupTime, roster.Users, "user"))
        {
            output.WriteLine("setup " + line);
        }
        await setupMachine.DisposeAsync();

        var failed = false;
        var summary = new List<string>();
        if (scenarios.Contains("messaging"))
        {
            var messaging = new MessagingScenario(server, roster, output);
            try
            {
                await messaging.ConnectAsync(ct);
                await messaging.RunPhaseAsync("warm-up (one message per sender; first deliveries fetch sender keys)", TimeSpan.Zero, 0, 1, ct);
                var closedDuration = TimeSpan.FromSeconds(Option(args, "--duration", 15));
                var pacedDuration = TimeSpan.FromSeconds(Option(args, "--paced", 10));
                var rounds = busyTimeout is null ? 1 : Option(args, "--rounds", 2);
                double? rate = OptionText(args, "--rate") is null ? null : OptionDouble(args, "--rate", 0);
                for (var round = 1; round <= rounds; round++)
                {
                    foreach (var timeout in busyTimeout is { } on ? new[] { 0, on } : [0])
                    {
                        server.BusyTimeoutMs = timeout;
                        var label = busyTimeout is null ? "" : Invariant($" [round {round}, busy_timeout {timeout}]");
                        var closed = await messaging.RunPhaseAsync("closed loop" + label, closedDuration, 0, null, ct);
                        summary.Add(Describe(closed));
                        failed |= closed.Lost > 0 || closed.Errors > 0;
                        rate ??= Math.Max(1, Math.Round(closed.SentPerSecond / 2));
                        if (pacedDuration > TimeSpan.Zero)
                        {
                            var paced = await messaging.RunPhaseAsync("paced" + label, pacedDuration, rate.Value, null, ct);
                            summary.Add(Describe(paced));
                            failed |= paced.Lost > 0 || paced.Errors > 0;
                        }
                    }
                }
                server.BusyTimeoutMs = 0;
            }
            finally
            {
                await messaging.DisconnectAsync();
            }
        }
        if (scenarios.Contains("audit"))
        {
            var audit = new AuditScenario(server, roster, output);
            var duration = TimeSpan.FromSeconds(Option(args, "--audit-duration", 4));
            var levels = (OptionText(args, "--audit-concurrency") ?? "1,16,256").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture));
            foreach (var level in levels)
            {
                var result = await audit.DirectAsync(level, duration, ct);
                summary.Add(Invariant($"audit direct, {level,4} callers: {result.EntriesPerSecond,7:0} entries/s, {result.MeanBatch,6:0.0} entries per batch, append {result.Latency}"));
            }
            var http = await audit.HistoryReadsAsync(Option(args, "--http-concurrency", 64), duration, ct);
            summary.Add(Invariant($"audit via history reads, {http.Concurrency} clients: {http.EntriesPerSecond:0} entries/s, {http.MeanBatch:0.0} per batch, request {http.Latency}"));
        }

        output.WriteLine();
        output.WriteLine("## summary");
        foreach (var line in summary)
        {
            output.WriteLine(line);
        }
        var problems = server.Problems.Where(p => !p.StartsWith("Warning", StringComparison.Ordinal)).ToList();
        output.WriteLine(Invariant($"server errors logged over the whole run: {problems.Count}"));
        return failed || problems.Count > 0 ? 1 : 0;
    }

    private static string Describe(MessagingScenario.PhaseResult r) =>
        Invariant($"messaging {r.Name}, {r.Connections} connections: {r.SentPerSecond:0.0} msg/s sent, {r.DeliveriesPerSecond:0} deliveries/s, lost {r.Lost}, errors {r.Errors}, end-to-end {r.Latency}");

    private static double ArgonMilliseconds()
    {
        var parameters = new Vault.Crypto.KdfParameters(3, 8 * 1024 * 1024, new byte[Vault.Crypto.KdfParameters.SaltBytes]);
        var clock = Stopwatch.StartNew();
        using (Vault.Crypto.PassphraseKeys.Derive(Roster.Passphrase, parameters))
        {
            return clock.Elapsed.TotalMilliseconds;
        }
    }

    private static void RunCrypto()
    {
        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2)
            .WithIterationCount(8).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250));
        var config = DefaultConfig.Instance.AddJob(job)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "vault-benchmarkdotnet"));
        BenchmarkRunner.Run<CryptoBenchmarks>(config);
    }

    private static bool IsValue(string[] args, string arg)
    {
        var i = Array.IndexOf(args, arg);
        return i > 0 && args[i - 1].StartsWith("--", StringComparison.Ordinal) && args[i - 1] != "--help";
    }

    private static string? OptionText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double OptionDouble(string[] args, string name, double fallback) =>
        OptionText(args, name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
