using System.Diagnostics;
using System.Globalization;

namespace Vault.Benchmarks.Documents;

/// <summary>
/// `perf record -g` on some processes for the length of one transfer (--perf), stopped with SIGINT so that it writes its
/// file. Read it with `perf report -i FILE --sort pid,dso,sym`; the processes ran with DOTNET_PerfMapEnabled=1, so perf
/// finds JIT-compiled methods in /tmp/perf-PID.map.
/// </summary>
public sealed class Perf : IAsyncDisposable
{
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["DOTNET_PerfMapEnabled"] = "1",
        ["DOTNET_EnableWriteXorExecute"] = "0", // else JIT-compiled code runs from a double mapping perf cannot name
    };
    private readonly Process? process;

    private Perf(Process? process) => this.process = process;

    public static Perf Start(string? directory, string name, params int[] pids)
    {
        if (directory is null)
        {
            return new Perf(null);
        }
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("perf") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "record", "-F", "499", "-g", "-o", Path.Combine(directory, name + ".perf.data"), "-p",
                     string.Join(',', pids.Select(p => p.ToString(CultureInfo.InvariantCulture))) })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start perf (apt-get install linux-perf)");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return new Perf(process);
    }

    public async ValueTask DisposeAsync()
    {
        if (process is null)
        {
            return;
        }
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", process.Id.ToString(CultureInfo.InvariantCulture) } }))
        {
            await kill!.WaitForExitAsync();
        }
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        process.Dispose();
    }
}
