using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks;

/// <summary>
/// (b) The audit log under load. Direct: many concurrent callers awaiting <see cref="AuditLog.AppendAsync"/> on the
/// server's own singleton, as every request handler does (fail closed: the request waits until its entry is
/// committed) — the writer's capacity and how far batching carries it. Over HTTP: concurrent history reads, each
/// audited (one entry per request) — the same writer behind real requests.
/// </summary>
public sealed class AuditScenario(BenchServer server, Roster roster, TextWriter output)
{
    public sealed record LevelResult(string Name, int Concurrency, double EntriesPerSecond, double MeanBatch, string Latency);

    public async Task<LevelResult> DirectAsync(int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var audit = server.Services.GetRequiredService<AuditLog>();
        var families = roster.Families.Select(f => f.Id).ToList();
        var latencies = new ConcurrentBag<double>();
        var mark = server.Probe.Mark();
        var machine = new MachineSampler();
        await using var machineScope = machine;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var actor = new Actor(Guid.NewGuid(), Guid.NewGuid(), "coordinator", "bench-" + worker);
            var familyId = families.Count > 0 ? families[worker % families.Count] : (Guid?)null;
            await Task.Yield();
            while (clock.Elapsed < duration)
            {
                var t0 = Stopwatch.GetTimestamp();
                await audit.AppendAsync(new AuditEvent(actor, "bench.append", true, familyId, "bench/append", "benchmark"), ct);
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }));
        var elapsed = clock.Elapsed;
        return await ReportAsync(Invariant($"direct AuditLog.AppendAsync, {concurrency} concurrent caller(s)"), concurrency, elapsed,
            latencies.Count, "append", latencies, mark, machine);
    }

    public async Task<LevelResult> HistoryReadsAsync(int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var readers = roster.Families.SelectMany(f => f.Members.Select(m => (Family: f, Member: m))).Take(concurrency).ToList();
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var mark = server.Probe.Mark();
        var machine = new MachineSampler();
        await using var machineScope = machine;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(readers.Select(async r =>
        {
            var (_, last) = await r.Member.Client.HistoryAsync(r.Family.Id, r.Family.ChannelId, 0, 1, ct);
            while (clock.Elapsed < duration)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await r.Member.Client.HistoryAsync(r.Family.Id, r.Family.ChannelId, last, ct: ct); // an empty page: server work only
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Vault.Client.VaultApiException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        var elapsed = clock.Elapsed;
        var result = await ReportAsync(Invariant($"history reads over HTTP (one audit entry each), {readers.Count} concurrent clients"),
            readers.Count, elapsed, latencies.Count, "request", latencies, mark, machine);
        output.WriteLine(Invariant($"requests {latencies.Count} ({latencies.Count / elapsed.TotalSeconds:0}/s), errors {errors}"));
        return result;
    }

    private async Task<LevelResult> ReportAsync(string name, int concurrency, TimeSpan elapsed, int operations, string unit,
        IEnumerable<double> latencies, ServerProbe.Position mark, MachineSampler machine)
    {
        var machineLine = await machine.StopAsync();
        var window = server.Probe.Since(mark);
        var entries = window.AuditBatches.Sum(b => b.Entries);
        var meanBatch = window.AuditBatches.Count == 0 ? 0 : entries / (double)window.AuditBatches.Count;
        var latency = Latency(latencies);
        output.WriteLine();
        output.WriteLine("## audit: " + name);
        output.WriteLine(Invariant($"{operations} {unit}s in {elapsed.TotalSeconds:0.0} s; {unit} latency (until committed and answered) {latency}"));
        foreach (var line in ProbeReport.Describe(window, elapsed, operations, unit))
        {
            output.WriteLine(line);
        }
        output.WriteLine(machineLine);
        return new LevelResult(name, concurrency, entries / elapsed.TotalSeconds, meanBatch, latency);
    }
}
