using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Compare;

/// <summary>
/// `compare`: Vault's hub and the bare hub side by side in one run. This process is the load driver only; each server
/// runs in its own process, so the server CPU per message read from /proc is the server's alone. Per connection
/// count: warm-up, then rounds of Vault closed loop, bare closed loop, Vault paced, bare paced, all with the same
/// connections, groups and payload size. See README.md and docs/benchmarks.md.
/// </summary>
public static class CompareCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.WriteLine(CompareOptions.Usage);
            return 0;
        }
        CompareOptions options;
        try
        {
            options = CompareOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + CompareOptions.Usage);
            return 2;
        }
        if (options.Problem() is { } problem)
        {
            await Console.Error.WriteLineAsync(problem);
            return 2;
        }
        using var bound = new CancellationTokenSource(options.MaxTime);
        // SIGTERM or Ctrl-C end the run like --max-seconds: the servers, PostgreSQL and Redis it started are stopped.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            bound.Cancel();
        }
        var ct = bound.Token;
        var output = Console.Out;
        var header = Header(args, options);
        foreach (var line in header)
        {
            output.WriteLine(line);
        }

        var started = new List<ServerProcess>();
        var services = new List<IAsyncDisposable>(); // a private PostgreSQL and Redis: stopped after the servers
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vault-bench", "binary-" + Guid.NewGuid().ToString("N"));
        var results = new List<PhaseResult>();
        try
        {
            var bareProcess = ServerProcess.StartSelf("bare", ["serve", "bare"]);
            started.Add(bareProcess);
            var (vaultWatch, nodes, admin) = await StartVaultAsync(options, started, services, dataDirectory, ct);
            output.WriteLine(Invariant($"servers: bare hub pid {bareProcess.Pid} at {await bareProcess.Url.WaitAsync(ct)}; Vault at {string.Join(", ", nodes)}"));

            await using var vault = new VaultTarget(vaultWatch, nodes, admin, CompareOptions.GroupSize);
            await using var bare = new BareTarget(bareProcess, CompareOptions.GroupSize);
            var clock = Stopwatch.StartNew();
            await vault.SetUpAsync(options.Connections.Max() / CompareOptions.GroupSize, options.SetupParallelism, ct);
            output.WriteLine(Invariant($"setup: {vault.Roster.Families.Count} families of {CompareOptions.GroupSize} ({vault.Roster.Users} users, registered and logged in through the SDK) in {clock.Elapsed.TotalSeconds:0} s"));

            foreach (var connections in options.Connections.Order())
            {
                clock.Restart();
                await vault.ConnectAsync(connections, ct);
                await bare.ConnectAsync(connections, ct);
                output.WriteLine(Invariant($"{Environment.NewLine}# {connections} connections ({connections / CompareOptions.GroupSize} groups of {CompareOptions.GroupSize}): connected in {clock.Elapsed.TotalSeconds:0.0} s"));
                results.Add(await RunAsync(vault, new PhaseSpec(0, connections, Load.WarmUp, TimeSpan.Zero, 0), output, ct));
                bare.PayloadBytes = vault.EnvelopeBytes ?? bare.PayloadBytes; // the same bytes on the wire
                results.Add(await RunAsync(bare, new PhaseSpec(0, connections, Load.WarmUp, TimeSpan.Zero, 0), output, ct));
                output.WriteLine(Invariant($"payload: Vault envelopes of {vault.EnvelopeBytes} bytes; the bare hub sends {bare.PayloadBytes} bytes"));
                if (options.WarmUp > TimeSpan.Zero)
                {
                    // JIT tiering, pools and caches settle in both servers before anything is measured.
                    var warmUp = new PhaseSpec(0, connections, Load.Closed, options.WarmUp, 0);
                    results.Add(await RunAsync(vault, warmUp, output, ct));
                    results.Add(await RunAsync(bare, warmUp, output, ct));
                }
                var rate = options.Rate;
                for (var round = 1; round <= options.Rounds; round++)
                {
                    var closed = new PhaseSpec(round, connections, Load.Closed, options.Closed, 0);
                    var vaultClosed = await RunAsync(vault, closed, output, ct);
                    results.Add(vaultClosed);
                    results.Add(await RunAsync(bare, closed, output, ct));
                    rate ??= Math.Max(1, Math.Round(vaultClosed.MessagesPerSecond / 2));
                    if (options.Paced > TimeSpan.Zero)
                    {
                        var paced = new PhaseSpec(round, connections, Load.Paced, options.Paced, rate.Value);
                        results.Add(await RunAsync(vault, paced, output, ct));
                        results.Add(await RunAsync(bare, paced, output, ct));
                    }
                }
            }
        }
        catch (InvalidOperationException e) when (results.Count == 0)
        {
            await Console.Error.WriteLineAsync("could not start the run: " + e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            output.WriteLine(Invariant($"STOPPED (--max-seconds {options.MaxTime.TotalSeconds:0} exceeded, or a signal); results so far follow"));
            return Finish(output, header, results, options, stopped: true);
        }
        finally
        {
            foreach (var server in Enumerable.Reverse(started)) // the node that owns the shared data directory last
            {
                await server.DisposeAsync();
            }
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
            TryDelete(dataDirectory);
        }
        return Finish(output, header, results, options, stopped: false);
    }

    private static int Finish(TextWriter output, IReadOnlyList<string> header, List<PhaseResult> results, CompareOptions options, bool stopped)
    {
        var tables = CompareReport.Tables(results, options);
        output.WriteLine();
        foreach (var line in tables)
        {
            output.WriteLine(line);
        }
        if (options.Markdown is { } file)
        {
            File.WriteAllLines(file, header.Select(h => "    " + h).Prepend("").Concat(tables.Prepend("")));
            output.WriteLine("tables written to " + file);
        }
        var faults = results.Sum(r => r.Faults);
        output.WriteLine(Invariant($"faults over all phases (lost, duplicated, out of order, unauthorized, unauthentic, send errors, server errors): {faults}"));
        return faults > 0 || stopped ? 1 : 0;
    }

    private static async Task<PhaseResult> RunAsync(ILoadTarget target, PhaseSpec spec, TextWriter output, CancellationToken ct)
    {
        var result = await Phase.RunAsync(target, spec, ct);
        foreach (var line in CompareReport.Describe(result))
        {
            output.WriteLine(line);
        }
        return result;
    }

    private static async Task<(ServerWatch Watch, IReadOnlyList<Uri> Nodes, string Admin)> StartVaultAsync(CompareOptions options,
        List<ServerProcess> started, List<IAsyncDisposable> services, string dataDirectory, CancellationToken ct)
    {
        if (options.VaultUrls.Count > 0)
        {
            return (new ServerWatch([], options.VaultPids), options.VaultUrls, options.AdminInvitation!);
        }
        var settings = new Dictionary<string, string>();
        if (options.Database == "postgres")
        {
            var connectionString = options.ConnectionString;
            if (connectionString is null)
            {
                var postgres = await PrivatePostgres.StartAsync(ct);
                services.Add(postgres);
                connectionString = postgres.ConnectionString;
            }
            settings["Vault:Database:Provider"] = "postgres";
            settings["Vault:Database:ConnectionString"] = connectionString;
        }
        else if (options.ConnectionString is { } sqlite)
        {
            settings["Vault:Database:ConnectionString"] = sqlite;
        }
        if (options.Nodes > 1)
        {
            var redis = await PrivateRedis.StartAsync(ct);
            services.Add(redis);
            settings["Vault:Cluster:Redis"] = redis.Configuration;
        }
        foreach (var (key, value) in options.ServerSettings)
        {
            settings[key] = value; // --server-setting wins
        }
        // The nodes of one installation share the data directory (the server's keys: a token from one node is valid on
        // the others). The first node creates the database and prints the admin invitation; the others start after it.
        var nodes = new List<Uri>();
        var vaults = new List<ServerProcess>();
        string? admin = null;
        for (var n = 0; n < options.Nodes; n++)
        {
            var name = options.Nodes == 1 ? "vault" : Invariant($"vault{n}");
            ServerProcess vault;
            if (options.VaultHost == "binary")
            {
                var url = new Uri(Invariant($"http://127.0.0.1:{FreePort()}/"));
                var all = new Dictionary<string, string>(BenchServer.LoadSettings) { ["Vault:DataDirectory"] = dataDirectory };
                foreach (var (key, value) in settings)
                {
                    all[key] = value;
                }
                vault = ServerProcess.StartBinary(name, url, all);
            }
            else
            {
                var childArgs = new List<string> { "serve", "vault", "--data", dataDirectory };
                if (n > 0)
                {
                    childArgs.Add("--keep-data");
                }
                if (!options.Probe)
                {
                    childArgs.Add("--no-probe");
                }
                foreach (var (key, value) in settings)
                {
                    childArgs.AddRange(["--setting", key + "=" + value]);
                }
                vault = ServerProcess.StartSelf(name, childArgs);
            }
            started.Add(vault);
            vaults.Add(vault);
            using var startup = CancellationTokenSource.CreateLinkedTokenSource(ct);
            startup.CancelAfter(TimeSpan.FromSeconds(120));
            nodes.Add(await vault.Url.WaitAsync(startup.Token));
            if (n == 0)
            {
                admin = await vault.AdminInvitation.WaitAsync(startup.Token);
            }
        }
        return (new ServerWatch(vaults, []), nodes, admin!);
    }

    private static List<string> Header(string[] args, CompareOptions options) =>
    [
        Invariant($"# Vault vs bare SignalR hub, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}"),
        Invariant($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, load average at start {MachineSampler.LoadAverage()}"),
        "commit: " + Commit(),
        "command: dotnet run -c Release --project tests/Vault.Benchmarks -- compare " + string.Join(' ', args),
        Invariant($"database: {(options.VaultUrls.Count > 0 ? "whatever the given server(s) use" : options.ConnectionString is not null ? options.Database + " via --connection-string" : options.Database == "postgres" ? "PostgreSQL 15, private instance started by .ci/postgres.sh (fsync and synchronous_commit off)" : "sqlite (WAL, the writer at synchronous=FULL) in a temporary directory")}; Vault host: {(options.VaultUrls.Count > 0 ? "given URL(s)" : options.VaultHost)}; nodes: {(options.VaultUrls.Count > 0 ? options.VaultUrls.Count : options.Nodes)}{(options.Nodes > 1 ? " (one PostgreSQL, a private redis-server; member n of each family on node n % nodes; the bare hub one process)" : "")}"),
        "driver: this process (SDK clients with all their cryptography, or bare SignalR clients); each server in its own process (server GC, DATAS off); all share the machine's cores",
    ];

    internal static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
            });
            var text = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return git?.ExitCode == 0 && !string.IsNullOrEmpty(text) ? text : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
