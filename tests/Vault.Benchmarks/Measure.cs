using System.Diagnostics;
using System.Globalization;

namespace Vault.Benchmarks;

public static class Stats
{
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>"p50 1.2 / p95 3.4 / p99 5.6 / max 7.8 ms (n 123)".</summary>
    public static string Latency(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        return sorted.Count == 0
            ? "n 0"
            : Invariant($"p50 {Percentile(sorted, 50):0.0} / p95 {Percentile(sorted, 95):0.0} / p99 {Percentile(sorted, 99):0.0} / max {sorted[^1]:0.0} ms (n {sorted.Count})");
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// What the process and the machine did during a phase: CPU used by this process (server and load driver share
/// it and the machine's cores), the thread pool's largest size and queue (blocked threads show up here), allocation,
/// and the machine's load average (other work on the machine skews every figure).
/// </summary>
public sealed class MachineSampler : IAsyncDisposable
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long allocatedStart = GC.GetTotalAllocatedBytes();
    private readonly int gen2Start = GC.CollectionCount(2);
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private int maxThreads, maxQueue;

    public MachineSampler() => sampling = SampleAsync();

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                maxThreads = Math.Max(maxThreads, ThreadPool.ThreadCount);
                maxQueue = Math.Max(maxQueue, (int)Math.Min(int.MaxValue, ThreadPool.PendingWorkItemCount));
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    public async Task<string> StopAsync()
    {
        await stop.CancelAsync();
        await sampling;
        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        return Stats.Invariant(
            $"process CPU {cpu.TotalSeconds / wall.TotalSeconds * 100:0}% of one core ({Environment.ProcessorCount} cores), thread pool max {maxThreads} threads / max queue {maxQueue}, allocated {(GC.GetTotalAllocatedBytes() - allocatedStart) / 1048576.0:0} MiB, gen2 GCs {GC.CollectionCount(2) - gen2Start}, load average now {LoadAverage()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
            await sampling;
        }
        stop.Dispose();
    }
}
