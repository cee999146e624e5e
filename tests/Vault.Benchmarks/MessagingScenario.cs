using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Server.Audit;
using Vault.Server.Data;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks;

/// <summary>
/// (a) Messaging under load: every member of every family holds a hub connection and sends into its family's
/// channel over the socket while all of them receive. A phase sends for a fixed time — closed loop (each sender
/// sends its next message when the previous one is acknowledged) or paced at a total rate — then each family's
/// guardian sends a last marker message; a connection has received everything of the phase when it sees the
/// marker, so lost messages are exactly those missing before it. Latency is end to end: from the sender's
/// SendAsync call (sealing and signing included) until the receiver's SDK has verified and decrypted it.
/// </summary>
public sealed class MessagingScenario(BenchServer server, Roster roster, TextWriter output)
{
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(60);
    private readonly Dictionary<VaultClient, VaultConnection> connections = [];
    private readonly Dictionary<Guid, long> channelSeqs = []; // last sequence number per channel, between phases

    public sealed record PhaseResult(string Name, int Connections, int Sent, double SentPerSecond, double DeliveriesPerSecond, int Lost,
        int Errors, string Latency);

    public async Task ConnectAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var member in roster.Families.SelectMany(f => f.Members))
        {
            connections[member.Client] = new VaultConnection(member.Client);
        }
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(connections.Values.Select(async c =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await c.StartAsync(ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var family in roster.Families)
        {
            channelSeqs[family.ChannelId] = 0;
        }
        output.WriteLine(Invariant($"connected {connections.Count} hub connections in {clock.Elapsed.TotalSeconds:0.0} s"));
    }

    public async ValueTask DisconnectAsync()
    {
        foreach (var connection in connections.Values)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>One phase: sends for <paramref name="duration"/> (or <paramref name="perSender"/> messages each), then drains.</summary>
    public async Task<PhaseResult> RunPhaseAsync(string name, TimeSpan duration, double rate, int? perSender, CancellationToken ct)
    {
        var senders = roster.Families.SelectMany(f => f.Members.Select(m => (Family: f, Member: m))).ToList();
        var started = new ConcurrentDictionary<Guid, long>();
        var markers = roster.Families.ToDictionary(f => f.ChannelId, _ => Guid.NewGuid());
        var sentPerChannel = new ConcurrentDictionary<Guid, int>();
        var acks = new ConcurrentBag<double>();
        var errors = new ConcurrentQueue<string>();
        var auditBefore = await AuditCountsAsync(ct);
        var problemsBefore = server.Problems.Count;
        var mark = server.Probe.Mark();
        var machine = new MachineSampler();
        await using var machineScope = machine;

        using var drainTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receivers = senders.Select(s => ReceiveAsync(connections[s.Member.Client], s.Family, channelSeqs[s.Family.ChannelId],
            markers[s.Family.ChannelId], started, drainTimeout.Token)).ToList();

        var clock = Stopwatch.StartNew();
        var period = rate > 0 ? TimeSpan.FromSeconds(senders.Count / rate) : TimeSpan.Zero;
        await Task.WhenAll(senders.Select((s, i) => SendLoopAsync(s.Family, s.Member, i, period, duration, perSender, clock,
            started, sentPerChannel, acks, errors, ct)));
        var sendWindow = clock.Elapsed;

        // Everything is acknowledged: the marker now follows every message of the phase on every socket.
        foreach (var family in roster.Families)
        {
            await family.Guardian.SendAsync(family.Id, family.ChannelId, "einde", markers[family.ChannelId], ct);
        }
        drainTimeout.CancelAfter(DrainBound);
        var outcomes = new List<Outcome>();
        foreach (var receiver in receivers)
        {
            outcomes.Add(await receiver);
        }
        var total = clock.Elapsed;
        var machineLine = await machine.StopAsync();
        var window = server.Probe.Since(mark);
        var auditAfter = await AuditCountsAsync(ct);
        foreach (var family in roster.Families)
        {
            channelSeqs[family.ChannelId] += sentPerChannel.GetValueOrDefault(family.ChannelId) + 1;
        }

        var sent = sentPerChannel.Values.Sum();
        var expected = senders.Sum(s => sentPerChannel.GetValueOrDefault(s.Family.ChannelId));
        var delivered = outcomes.Sum(o => o.Received);
        var lostCount = expected - delivered;
        var e2e = outcomes.SelectMany(o => o.Latencies).ToList();
        var newProblems = server.Problems.Skip(problemsBefore).ToList();
        int Delta(string action) => auditAfter.GetValueOrDefault(action) - auditBefore.GetValueOrDefault(action);

        output.WriteLine();
        output.WriteLine(Invariant($"## messaging: {name}"));
        output.WriteLine(Invariant($"{senders.Count} connections in {roster.Families.Count} families of {roster.Families[0].Members.Count}; ")
            + (perSender is { } n ? Invariant($"{n} message(s) per sender") : rate > 0
                ? Invariant($"paced at {rate:0} msg/s in total for {duration.TotalSeconds:0} s")
                : Invariant($"closed loop (one message in flight per sender) for {duration.TotalSeconds:0} s")));
        output.WriteLine(Invariant($"sent {sent} messages in {sendWindow.TotalSeconds:0.0} s: {sent / sendWindow.TotalSeconds:0.0} msg/s; send errors {errors.Count}"));
        output.WriteLine(Invariant($"deliveries {delivered} of {expected} expected, {delivered / total.TotalSeconds:0.0}/s over {total.TotalSeconds:0.0} s (drain after the last send {(total - sendWindow).TotalSeconds:0.0} s)"));
        output.WriteLine(Invariant($"lost {lostCount}, gaps in sequence {outcomes.Sum(o => o.Gaps)}, duplicates {outcomes.Sum(o => o.Duplicates)}, from another channel {outcomes.Sum(o => o.Foreign)}, not authentic {outcomes.Sum(o => o.Unauthentic)}, markers missing {outcomes.Count(o => !o.SawMarker)}"));
        output.WriteLine("end-to-end latency (SendAsync call → verified and decrypted at the receiver): " + Latency(e2e));
        output.WriteLine("send acknowledgement (SendAsync call → hub result): " + Latency(acks));
        output.WriteLine(Invariant($"history reads by the SDK (filling gaps when deliveries overtake each other): {Delta(AuditActions.HistoryRead)}; audit entries appended: {auditAfter.Values.Sum() - auditBefore.Values.Sum()}"));
        output.WriteLine(Invariant($"server errors/warnings logged: {newProblems.Count}") + (newProblems.Count > 0 ? " — first: " + newProblems[0] : ""));
        foreach (var error in errors.Take(3))
        {
            output.WriteLine("send error: " + error);
        }
        foreach (var line in ProbeReport.Describe(window, total, sent + roster.Families.Count, "message"))
        {
            output.WriteLine(line);
        }
        output.WriteLine(machineLine);
        var faults = errors.Count + newProblems.Count(p => !p.StartsWith("Warning", StringComparison.Ordinal))
            + outcomes.Sum(o => o.Gaps + o.Duplicates + o.Foreign + o.Unauthentic);
        return new PhaseResult(name, senders.Count, sent, sent / sendWindow.TotalSeconds, delivered / total.TotalSeconds, lostCount, faults,
            Latency(e2e));
    }

    private static async Task SendLoopAsync(BenchFamily family, BenchMember member, int index, TimeSpan period, TimeSpan duration,
        int? count, Stopwatch clock, ConcurrentDictionary<Guid, long> started, ConcurrentDictionary<Guid, int> sentPerChannel,
        ConcurrentBag<double> acks, ConcurrentQueue<string> errors, CancellationToken ct)
    {
        // Paced senders start spread over one period so the total rate is even.
        var next = period > TimeSpan.Zero ? period * (index % 97 / 97.0) : TimeSpan.Zero;
        for (var k = 0; count is { } n ? k < n : clock.Elapsed < duration; k++)
        {
            if (period > TimeSpan.Zero)
            {
                if (count is null && next >= duration)
                {
                    break; // the next slot is after the phase
                }
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }
                next += period;
            }
            var id = Guid.NewGuid();
            var t0 = Stopwatch.GetTimestamp();
            started[id] = t0;
            try
            {
                await member.Client.SendAsync(family.Id, family.ChannelId, $"{member.Name} bericht {k}: zullen we dinsdag om tien uur afspreken?", id, ct);
                acks.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                sentPerChannel.AddOrUpdate(family.ChannelId, 1, (_, c) => c + 1);
            }
#pragma warning disable CA1031 // every failure is counted and reported, whatever it is
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                errors.Enqueue($"{member.Name}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private sealed record Outcome(int Received, int Gaps, int Duplicates, int Foreign, int Unauthentic, bool SawMarker,
        List<double> Latencies);

    private static async Task<Outcome> ReceiveAsync(VaultConnection connection, BenchFamily family, long lastSeq, Guid marker,
        ConcurrentDictionary<Guid, long> started, CancellationToken ct)
    {
        int received = 0, gaps = 0, duplicates = 0, foreign = 0, unauthentic = 0;
        var latencies = new List<double>();
        try
        {
            while (true)
            {
                var message = await connection.Messages.ReadAsync(ct);
                var now = Stopwatch.GetTimestamp();
                if (message.ChannelId != family.ChannelId)
                {
                    foreign++;
                    continue;
                }
                if (message.Seq <= lastSeq)
                {
                    duplicates++;
                    continue;
                }
                if (message.Seq != lastSeq + 1)
                {
                    gaps++;
                }
                lastSeq = message.Seq;
                if (!message.Authentic)
                {
                    unauthentic++;
                }
                if (message.ClientMessageId == marker)
                {
                    return new(received, gaps, duplicates, foreign, unauthentic, true, latencies);
                }
                received++;
                if (started.TryGetValue(message.ClientMessageId, out var t0))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return new(received, gaps, duplicates, foreign, unauthentic, false, latencies); // drain bound: the rest counts as lost
        }
    }

    private async Task<Dictionary<string, int>> AuditCountsAsync(CancellationToken ct)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        return await db.AuditEntries.AsNoTracking().GroupBy(e => e.Action).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }
}
