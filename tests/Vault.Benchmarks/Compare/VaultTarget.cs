using System.Collections.Concurrent;
using System.Diagnostics;
using Vault.Client;

namespace Vault.Benchmarks.Compare;

/// <summary>
/// Vault's hub through the public SDK only: families of <see cref="GroupSize"/> made as production makes them (see
/// <see cref="Roster"/>), one channel per family that all members read and write, one <see cref="VaultConnection"/>
/// per member. Connection r is member r % size of family r / size. Latency ends when the receiving SDK hands out
/// the verified, decrypted message. With several node URLs, member n of every family uses node n % nodes.
/// </summary>
public sealed class VaultTarget : ILoadTarget
{
    private readonly Roster roster;
    private readonly List<(BenchFamily Family, BenchMember Member, VaultConnection Connection)> connections = [];
    private readonly List<long> lastSeq = [];
    private readonly List<Task> receivers = [];
    // ~900 characters: padded to 1,024 bytes, an envelope of 1,129 bytes (1 KiB of ciphertext, as in issue 10).
    private const int TextLength = 900;
    private static readonly string Filler = string.Concat(Enumerable.Repeat("zullen we dinsdag om tien uur afspreken bij de school? ", 20));
    private ConcurrentDictionary<Guid, (int Sender, int K, long T0)> ids = new();
    private CancellationTokenSource stop = new();
    private long requests, historyReads;

    public VaultTarget(ServerWatch watch, IReadOnlyList<Uri> nodes, string adminInvitation, int groupSize)
    {
        Watch = watch;
        GroupSize = groupSize;
        roster = new Roster(member => new VaultClient(new HttpClient(new RequestCounter(this) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = nodes[member % nodes.Count],
        }), () => adminInvitation);
    }

    public string Name => "Vault";
    public bool HasDatabase => true;
    public int GroupSize { get; }
    public ServerWatch Watch { get; }

    /// <summary>The size of the envelopes the SDK sent (padded ciphertext and signature), once one was acknowledged.</summary>
    public int? EnvelopeBytes { get; private set; }

    public Roster Roster => roster;

    public Task SetUpAsync(int families, int parallelism, CancellationToken ct) => roster.SetUpAsync(families, GroupSize, parallelism, ct);

    public async Task ConnectAsync(int count, CancellationToken ct)
    {
        var members = roster.Families.SelectMany(f => f.Members.Select(m => (Family: f, Member: m))).Take(count).Skip(connections.Count).ToList();
        var opened = members.Select(m => (m.Family, m.Member, Connection: new VaultConnection(m.Member.Client))).ToList();
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(opened.Select(async c =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await c.Connection.StartAsync(ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        connections.AddRange(opened);
        lastSeq.AddRange(opened.Select(_ => 0L)); // channels are new: nothing to catch up on
    }

    public void Begin(PhaseTracker tracker)
    {
        ids = new();
        stop.Dispose();
        stop = new();
        receivers.Clear();
        for (var r = 0; r < tracker.Connections; r++)
        {
            receivers.Add(ReceiveAsync(r, tracker, stop.Token));
        }
    }

    public async Task SendAsync(int sender, int k, long t0, CancellationToken ct)
    {
        var (family, member, _) = connections[sender];
        var id = Guid.NewGuid();
        ids[id] = (sender, k, t0);
        var text = $"bericht {k} van {member.Name}: ";
        var ack = await member.Client.SendAsync(family.Id, family.ChannelId, text + Filler[..(TextLength - text.Length)], id, ct);
        EnvelopeBytes ??= ack.Envelope?.Length;
    }

    public Task SendMarkerAsync(int group, CancellationToken ct) => SendAsync(group * GroupSize, -1, Stopwatch.GetTimestamp(), ct);

    public async Task EndAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(receivers);
        stop.Dispose();
    }

    public (string Text, long Strays) Notes()
    {
        var total = Interlocked.Exchange(ref requests, 0);
        var history = Interlocked.Exchange(ref historyReads, 0);
        return (Stats.Invariant($"SDK HTTP requests during the phase {total}, of which history reads (filling gaps) {history}"), 0);
    }

    private async Task ReceiveAsync(int r, PhaseTracker tracker, CancellationToken ct)
    {
        var (family, _, connection) = connections[r];
        try
        {
            while (true)
            {
                var message = await connection.Messages.ReadAsync(ct);
                var now = Stopwatch.GetTimestamp();
                if (message.ChannelId != family.ChannelId || !ids.TryGetValue(message.ClientMessageId, out var id))
                {
                    tracker.Unauthorized(r); // another channel's, or nothing this phase sent
                    continue;
                }
                if (message.Seq > lastSeq[r] + 1)
                {
                    tracker.OutOfOrder(r); // the SDK hands out a channel's messages without gaps
                }
                lastSeq[r] = Math.Max(lastSeq[r], message.Seq);
                if (!message.Authentic)
                {
                    tracker.Unauthentic(r);
                }
                else if (id.K < 0)
                {
                    tracker.Marker(r);
                    return;
                }
                else
                {
                    tracker.Delivered(r, id.Sender, id.K, id.T0, now);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // drain bound reached: what did not arrive counts as lost
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, _, connection) in connections)
        {
            await connection.DisposeAsync();
        }
        stop.Dispose();
    }

    private sealed class RequestCounter(VaultTarget target) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref target.requests);
            if (request.Method == HttpMethod.Get && request.RequestUri?.Query.Contains("after=", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref target.historyReads);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
