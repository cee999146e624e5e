using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vault.Benchmarks.Compare;

/// <summary>
/// A throwaway PostgreSQL for one run, through the repository's own script (`.ci/postgres.sh start DIR` prints the
/// connection string; `stop DIR` stops it and removes DIR). Its settings are the script's: fsync and synchronous
/// commit off (data that lives for one run), so a PostgreSQL commit here costs no disk flush, unlike SQLite's
/// synchronous=FULL writer.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string script;
    private readonly string directory;

    private PrivatePostgres(string script, string directory, string connectionString)
    {
        this.script = script;
        this.directory = directory;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<PrivatePostgres> StartAsync(CancellationToken ct)
    {
        var script = Script();
        // Directly under the temp folder: as root the script runs PostgreSQL as the postgres user, which must reach it.
        var directory = Path.Combine(Path.GetTempPath(), "vault-bench-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var (code, output, error) = await RunAsync(script, ["start", directory], ct);
        var connectionString = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith("Host=", StringComparison.Ordinal));
        var postgres = new PrivatePostgres(script, directory, connectionString ?? "");
        if (code != 0 || connectionString is null)
        {
            await postgres.DisposeAsync();
            throw new InvalidOperationException($".ci/postgres.sh start failed (exit {code}): {error.Trim()}");
        }
        return postgres;
    }

    public async ValueTask DisposeAsync()
    {
        var (code, _, error) = await RunAsync(script, ["stop", directory], CancellationToken.None);
        if (code != 0)
        {
            await Console.Error.WriteLineAsync($".ci/postgres.sh stop {directory} failed (exit {code}): {error.Trim()}");
        }
    }

    /// <summary>.ci/postgres.sh of the checkout this program was built from (found upwards from its output folder).</summary>
    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".ci", "postgres.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("--database postgres: no .ci/postgres.sh above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string script, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output, await error);
    }
}

/// <summary>A throwaway redis-server for one run (no persistence), a child process stopped with the run.</summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly Process process;

    private PrivateRedis(Process process, int port)
    {
        this.process = process;
        Configuration = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>host:port, for Vault:Cluster:Redis.</summary>
    public string Configuration { get; }

    public static async Task<PrivateRedis> StartAsync(CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            ArgumentList = { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server (apt-get install redis-server)");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
            ready.TrySetException(new InvalidOperationException($"redis-server exited before it was ready (port {port})"));
        }, CancellationToken.None);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var redis = new PrivateRedis(process, port);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
        return redis;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
