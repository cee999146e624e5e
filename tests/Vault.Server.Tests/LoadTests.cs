using System.Diagnostics;
using System.Globalization;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

/// <summary>
/// A bounded load test on loopback: many families, every member with an open hub connection, everybody sending at
/// once over the socket. Nothing may be lost, duplicated, reordered, forged or leaked to another family, no send may
/// fail and the server may log no error. Synchronisation is by awaiting the expected messages under one generous
/// bound (running out of it is a failure, not a threshold); there are no sleeps and no timing assertions. The
/// figures it prints are informational; tests/Vault.Benchmarks measures throughput and latency properly.
/// </summary>
[Collection(nameof(LoadTests))]
public sealed class LoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Families = 36;
    private const int MessagesPerMember = 5;
    private const int SetupParallelism = 4; // Argon2id (cheap test parameters) per registration and login: CPU-bound
    private const int ConnectParallelism = 16;
    private const string EndMarker = "einde";
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(6); // a failure bound, never a wait

    private readonly VaultServer server = new();
    private readonly List<VaultConnection> connections = [];

    private sealed record Member(string Name, VaultClient Client);

    private sealed record LoadFamily(int Number, Guid Id, Guid ChannelId, VaultClient Guardian, IReadOnlyList<Member> Members);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        server.Dispose();
    }

    [Fact]
    public async Task Hub_HundredsOfConnectionsSendingAndReceiving_NothingLostNoErrors()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var ct = timeout.Token;
        var cast = new Cast(server);
        await cast.AdminAsync(); // created once, before the parallel setup shares it

        // Setup: families of six (coordinator, two guardians, krachtgezin, two network members) and one channel each.
        var clock = Stopwatch.StartNew();
        using var setupGate = new SemaphoreSlim(SetupParallelism);
        var families = await Task.WhenAll(Enumerable.Range(0, Families).Select(async f =>
        {
            await setupGate.WaitAsync(ct);
            try
            {
                return await SetUpFamilyAsync(cast, f).WaitAsync(ct);
            }
            finally
            {
                setupGate.Release();
            }
        }));
        var setup = clock.Elapsed;
        var users = families.Sum(f => f.Members.Count) + 1;

        // Every member opens a hub connection (which catches up, loading the channel's keys).
        clock.Restart();
        var byClient = new Dictionary<VaultClient, VaultConnection>();
        using var connectGate = new SemaphoreSlim(ConnectParallelism);
        foreach (var member in families.SelectMany(f => f.Members))
        {
            var connection = new VaultConnection(member.Client);
            connections.Add(connection);
            byClient[member.Client] = connection;
        }
        await Task.WhenAll(connections.Select(async connection =>
        {
            await connectGate.WaitAsync(ct);
            try
            {
                await connection.StartAsync(ct);
            }
            finally
            {
                connectGate.Release();
            }
        }));
        var connect = clock.Elapsed;
        Assert.True(connections.Count >= 200, $"only {connections.Count} connections");
        Assert.All(connections, c => Assert.True(c.IsConnected));

        // Receivers read while everybody sends: each member sends all its messages at once over its socket.
        clock.Restart();
        var expectedPerConnection = families[0].Members.Count * MessagesPerMember + 1;
        var receiving = families.SelectMany(f => f.Members.Select(m => (Family: f, Member: m))).Select(x =>
            (x.Family, x.Member, Task: ReceiveAsync(byClient[x.Member.Client], expectedPerConnection, ct))).ToList();
        var sending = families.SelectMany(f => f.Members.SelectMany(m => Enumerable.Range(0, MessagesPerMember).Select(async k =>
        {
            var text = $"gezin {f.Number} / {m.Name} / bericht {k}";
            var delivery = await m.Client.SendAsync(f.Id, f.ChannelId, text, ct: ct);
            return (Family: f, Text: text, Sent: delivery);
        }))).ToList();
        var sent = await Task.WhenAll(sending); // any refused send throws here
        var sendPhase = clock.Elapsed;

        // Every send has been handed to the hub: a last message per channel now follows everything on every socket,
        // so whatever a connection gets before it is all it will ever get of the run.
        var markers = await Task.WhenAll(families.Select(async f =>
            (Family: f, Text: EndMarker, Sent: await f.Guardian.SendAsync(f.Id, f.ChannelId, EndMarker, ct: ct))));
        await Task.WhenAll(receiving.Select(r => r.Task));
        var total = clock.Elapsed;

        // What each channel holds, by sequence number, from the senders' own receipts.
        var expected = sent.Concat(markers).GroupBy(s => s.Family.ChannelId).ToDictionary(g => g.Key,
            g => g.OrderBy(s => s.Sent.Seq).ToList());
        foreach (var (channelId, messages) in expected)
        {
            Assert.Equal(Enumerable.Range(1, expectedPerConnection).Select(i => (long)i), messages.Select(m => m.Sent.Seq));
            Assert.All(messages, m => Assert.Equal(channelId, m.Sent.ChannelId));
        }
        foreach (var (family, member, task) in receiving)
        {
            var got = await task;
            var want = expected[family.ChannelId];
            Assert.Equal(want.Count, got.Count);
            for (var i = 0; i < want.Count; i++)
            {
                var (w, g) = (want[i], got[i]);
                Assert.True(g.Authentic, $"{member.Name} got an unauthentic message {g.Seq}");
                Assert.Equal((family.Id, family.ChannelId, w.Sent.Seq, w.Sent.ClientMessageId, w.Sent.SenderUserId, w.Text),
                    (g.FamilyId, g.ChannelId, g.Seq, g.ClientMessageId, g.SenderUserId, g.Text));
            }
            Assert.False(byClient[member.Client].Messages.TryRead(out var extra), $"{member.Name} got more: {extra}");
        }
        Assert.All(connections, c => Assert.True(c.IsConnected));
        Assert.DoesNotContain(server.Logs, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

        // Every delivery to every reader was audited before it went out: a device's entries (one per batch, naming the
        // range of sequence numbers it got) cover each message of its channel exactly once.
        var audited = CountAudit();
        var deliveries = families.Sum(f => f.Members.Count * expectedPerConnection);
        var covered = DeliveredRanges();
        foreach (var (family, member, _) in receiving)
        {
            var device = member.Client.Session!.DeviceId;
            Assert.Equal(Enumerable.Range(1, expectedPerConnection).Select(i => (long)i),
                covered.GetValueOrDefault((device, family.ChannelId), []).Order());
        }
        Assert.Equal(deliveries, covered.Values.Sum(c => c.Count));
        Assert.Equal(sent.Length + markers.Length, audited.GetValueOrDefault(AuditActions.MessageSent));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"setup: {Families} families, {users} users in {setup.TotalSeconds:0.0} s ({setup.TotalMilliseconds / users:0} ms per user at parallelism {SetupParallelism})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connect: {connections.Count} hub connections in {connect.TotalSeconds:0.0} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {sent.Length} messages sent in {sendPhase.TotalSeconds:0.0} s ({sent.Length / sendPhase.TotalSeconds:0} msg/s), {deliveries} deliveries received in {total.TotalSeconds:0.0} s ({deliveries / total.TotalSeconds:0}/s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"audit: {audited.Values.Sum()} entries; history reads (catch-up and gap fills): {audited.GetValueOrDefault(AuditActions.HistoryRead)}"));
    }

    private static async Task<LoadFamily> SetUpFamilyAsync(Cast cast, int number)
    {
        var s = "l" + number.ToString("D2", CultureInfo.InvariantCulture);
        var (familyId, coordinator, moeder) = await cast.FamilyAsync(s);
        var vader = await cast.FamilyMemberAsync(moeder, familyId, Roles.Guardian, "vader" + s);
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin" + s);
        var oma = await cast.FamilyMemberAsync(moeder, familyId, Roles.Network, "oma" + s);
        var buurman = await cast.FamilyMemberAsync(moeder, familyId, Roles.Network, "buurman" + s);
        var channel = await Cast.IntroChannelAsync(moeder, familyId, coordinator, krachtgezin, oma, buurman);
        return new LoadFamily(number, familyId, channel.Id, moeder,
        [
            new("coordinator" + s, coordinator), new("moeder" + s, moeder), new("vader" + s, vader),
            new("gezin" + s, krachtgezin), new("oma" + s, oma), new("buurman" + s, buurman),
        ]);
    }

    private static async Task<List<ReceivedMessage>> ReceiveAsync(VaultConnection connection, int count, CancellationToken ct)
    {
        var received = new List<ReceivedMessage>(count);
        while (received.Count < count)
        {
            received.Add(await connection.Messages.ReadAsync(ct));
        }
        return received;
    }

    /// <summary>Per device and channel: every sequence number a delivery entry names ("…/messages/7" or "…/messages/7-12").</summary>
    private Dictionary<(Guid Device, Guid Channel), List<long>> DeliveredRanges()
    {
        var covered = new Dictionary<(Guid, Guid), List<long>>();
        foreach (var row in server.Rows($"SELECT ActorDeviceId, Resource FROM AuditEntries WHERE Action = '{AuditActions.MessageDelivered}'"))
        {
            var values = row.Split('|');
            var resource = values[1]; // channel:{id}/messages/{from}[-{to}]
            var channel = Guid.Parse(resource["channel:".Length..resource.IndexOf('/', StringComparison.Ordinal)]);
            var range = resource[(resource.LastIndexOf('/') + 1)..].Split('-').Select(long.Parse).ToArray();
            var key = (Guid.Parse(values[0]), channel);
            (covered.TryGetValue(key, out var seqs) ? seqs : covered[key] = []).AddRange(
                Enumerable.Range(0, (int)(range[^1] - range[0] + 1)).Select(i => range[0] + i));
        }
        return covered;
    }

    private Dictionary<string, int> CountAudit() => server.Rows("SELECT Action, COUNT(*) FROM AuditEntries GROUP BY Action")
        .Select(row => row.Split('|')).ToDictionary(r => r[0], r => int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
}

/// <summary>The load test runs alone: it takes both cores, and other tests' failure bounds must not pay for that.</summary>
[CollectionDefinition(nameof(LoadTests), DisableParallelization = true)]
public sealed class LoadTestsRunAlone;
