using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Vault.Benchmarks.Compare;

/// <summary>What a `serve` child reports about itself on request: allocation and, for Vault with the probe, EF Core's SQL.</summary>
public sealed record ServerStats(long AllocatedBytes, int Gen2Collections, int Errors, int Warnings, string? FirstProblem,
    ServerProbe.Totals? Probe);

/// <summary>
/// A server under test in its own process: this program's `serve vault|bare` verb (which answers "stats" on stdin
/// with one line on stdout), or the server's own binary (no stats). Its CPU time comes from /proc/&lt;pid&gt;/stat,
/// so it is the server's alone, whatever the load driver in this process does.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string Prefix = "bench:";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process process;
    private readonly Channel<string> replies = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> admin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool answersStats;
    private readonly string name;
    private int errorLines;

    private readonly Uri? binaryUrl; // the server's own binary: listening once it logs "Application started"

    private ServerProcess(string name, ProcessStartInfo start, bool answersStats, Uri? binaryUrl, bool fixedGcHeaps = true)
    {
        this.name = name;
        this.answersStats = answersStats;
        this.binaryUrl = binaryUrl;
        // Server GC without DATAS (its default since .NET 9): DATAS grows and shrinks the number of heaps at run time, and
        // GC.GetTotalAllocatedBytes then sums only the active heaps, so it can drop (dotnet/runtime#131069): one phase
        // measured a negative allocation. A fixed heap count keeps the figure monotonic; all servers run alike.
        // (`documents` measures peak memory instead and runs the server's binary with the GC it is built for: fixedGcHeaps false.)
        if (fixedGcHeaps)
        {
            start.Environment["DOTNET_GCDynamicAdaptationMode"] = "0";
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: could not start {start.FileName}");
        _ = ReadAsync(process.StandardOutput);
        _ = ReadAsync(process.StandardError);
        _ = process.WaitForExitAsync().ContinueWith(_ =>
        {
            var exited = new InvalidOperationException($"{name} exited (code {process.ExitCode})");
            listening.TrySetException(exited);
            admin.TrySetException(exited);
            replies.Writer.TryComplete(exited);
        }, TaskScheduler.Default);
    }

    public int Pid => process.Id;
    public Task<Uri> Url => listening.Task;

    /// <summary>The first admin's invitation, printed by the server at its first start.</summary>
    public Task<string> AdminInvitation => admin.Task;

    /// <summary>This program again, with <paramref name="args"/> (e.g. "serve", "bare").</summary>
    public static ServerProcess StartSelf(string name, IEnumerable<string> args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self) { ArgumentList = { typeof(ServerProcess).Assembly.Location } }
            : new ProcessStartInfo(self);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return new ServerProcess(name, start, answersStats: true, binaryUrl: null);
    }

    /// <summary>
    /// The server's own build output (copied beside this program, or in <paramref name="directory"/>: another build),
    /// configured through environment variables.
    /// </summary>
    public static ServerProcess StartBinary(string name, Uri url, IReadOnlyDictionary<string, string> settings, bool fixedGcHeaps = true,
        string? directory = null)
    {
        directory ??= AppContext.BaseDirectory;
        var dll = Path.Combine(directory, "Vault.Server.dll");
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet) { ArgumentList = { dll, "--urls", url.ToString().TrimEnd('/') }, WorkingDirectory = directory };
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return new ServerProcess(name, start, answersStats: false, binaryUrl: url, fixedGcHeaps);
    }

    /// <summary>Server CPU time (user + system) so far, from /proc/&lt;pid&gt;/stat; null where there is no /proc.</summary>
    public TimeSpan? Cpu() => ProcCpu(process.Id);

    public static TimeSpan? ProcCpu(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path))
        {
            return null;
        }
        var text = File.ReadAllText(path);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd (state) on
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // utime + stime in USER_HZ, which Linux fixes at 100 for user space
    }

    /// <summary>Asks the child for its figures; null for a server that does not answer (its own binary).</summary>
    public async Task<ServerStats?> StatsAsync(CancellationToken ct)
    {
        if (!answersStats)
        {
            return new ServerStats(-1, -1, errorLines, 0, null, null);
        }
        await process.StandardInput.WriteLineAsync("stats".AsMemory(), ct);
        await process.StandardInput.FlushAsync(ct);
        var line = await replies.Reader.ReadAsync(ct);
        return JsonSerializer.Deserialize<ServerStats>(line, Json);
    }

    private async Task ReadAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(Prefix + "listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[(Prefix.Length + "listening ".Length)..].Trim()));
            }
            else if (line.StartsWith(Prefix + "admin ", StringComparison.Ordinal))
            {
                admin.TrySetResult(line[(Prefix.Length + "admin ".Length)..].Trim());
            }
            else if (line.StartsWith(Prefix + "stats ", StringComparison.Ordinal))
            {
                await replies.Writer.WriteAsync(line[(Prefix.Length + "stats ".Length)..]);
            }
            else if (line.StartsWith(Vault.Server.Identity.BootstrapOutput.Prefix, StringComparison.Ordinal))
            {
                admin.TrySetResult(line[Vault.Server.Identity.BootstrapOutput.Prefix.Length..].Trim()); // the server's own binary
            }
            else
            {
                if (binaryUrl is not null && line.Contains("Application started", StringComparison.Ordinal))
                {
                    listening.TrySetResult(binaryUrl);
                }
                if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref errorLines);
                }
                await Console.Error.WriteLineAsync($"[{name}] {line}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited && !answersStats)
        {
            process.Kill(entireProcessTree: true); // the server's own binary does not read its input
            await process.WaitForExitAsync();
        }
        else if (!process.HasExited)
        {
            try
            {
                process.StandardInput.Close(); // a `serve` child stops at the end of its input
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }
}
