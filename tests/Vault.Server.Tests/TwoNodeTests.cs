using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Two server nodes on one database and one Redis, node A in this process (so a test can hold it at a chosen moment)
/// and node B a process of its own, with clients on each: messages cross between them with nothing
/// lost, duplicated or reordered; a withdrawal through one node counts on the other at once; and the audit log, written
/// by both nodes' writers in turn, verifies as one tree. Several nodes need PostgreSQL: ./test.sh runs these in its
/// PostgreSQL run (and leaves them out of the SQLite one).
/// </summary>
[Trait("Category", "Cluster")]
public sealed class TwoNodeTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60); // a failure bound, never a wait
    private readonly string data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
    private readonly List<VaultConnection> connections = [];
    private readonly HoldDelivery holdA = new();
    private RedisServer? redis;
    private VaultServer a = null!;
    private NodeProcess b = null!;
    private Guid familyId;
    private VaultClient guardian = null!, coordinator = null!, krachtgezin = null!;
    private ChannelResponse intro = null!, planning = null!;

    public async Task InitializeAsync()
    {
        if (!TestPostgres.Enabled)
        {
            throw new InvalidOperationException(
                $"Two nodes need PostgreSQL: run ./test.sh, or set {TestPostgres.Variable} as TestPostgres describes.");
        }
        redis = new RedisServer();
        // A in this process, with its own pool of PostgreSQL connections; it creates the installation and removes it at the end.
        a = new VaultServer { DataDirectoryOverride = data, ConfigureTestServices = services => services.AddSingleton<ISendCommitHook>(holdA) };
        a.Settings["Vault:Cluster:Redis"] = redis.Configuration;
        a.Settings["Vault:Database:ConnectionString"] = Pool(TestPostgres.Database(data), "a");
        var cast = new Cast(a);
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        planning = await guardian.CreateChannelAsync(familyId, "planning",
            [new ChannelMember(krachtgezin.Session!.UserId, Permissions.Read, "afspraken")]);
        // B started second, on the same database, keys and Redis: it finds everything in place.
        b = await NodeProcess.StartAsync(new Dictionary<string, string>
        {
            ["Vault:DataDirectory"] = data, ["Vault:Database:Provider"] = "postgres",
            ["Vault:Database:ConnectionString"] = Pool(a.PostgresConnectionString!, "b"), ["Vault:Cluster:Redis"] = redis.Configuration,
            ["Vault:RateLimits:AnonymousBurst"] = "1000000", ["Vault:RateLimits:AnonymousPermitsPerMinute"] = "1000000",
            ["Vault:RateLimits:TokenBurst"] = "1000000", ["Vault:RateLimits:TokenPermitsPerMinute"] = "1000000",
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        b?.Dispose();
        a?.Dispose();
        redis?.Dispose();
    }

    [Fact]
    public async Task Messages_ClientsOnEitherNode_ArriveOnBothOnceAndInOrder()
    {
        var onA = await ConnectAsync(guardian);
        var onB = await ConnectAsync(On(b, coordinator));
        var fills = HistoryReads();
        var fromA = Enumerable.Range(0, 25).Select(i => guardian.SendAsync(familyId, intro.Id, $"A{i}"));
        var fromB = Enumerable.Range(0, 25).Select(i => On(b, coordinator).SendAsync(familyId, intro.Id, $"B{i}"));
        var sent = await Task.WhenAll(fromA.Concat(fromB));

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), sent.Select(s => s.Seq).Order()); // one numbering
        foreach (var connection in new[] { onA, onB })
        {
            var got = new List<long>();
            while (got.Count < 50)
            {
                var message = await connection.Messages.ReadAsync().AsTask().WaitAsync(Bound);
                Assert.True(message.Authentic);
                got.Add(message.Seq);
            }
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), got);
        }
        // Each arrived live, in order: no reader had to fill a gap from history.
        Assert.Equal(fills, HistoryReads());
    }

    [Fact]
    public async Task Deliveries_NodeAHeldAfterItsCommit_NodeBPublishesItsLaterBatchOnlyAfterA()
    {
        var onA = await ConnectAsync(guardian);
        var onB = await ConnectAsync(On(b, coordinator));
        var fills = HistoryReads();
        var first = Guid.NewGuid();
        holdA.Hold(first);
        var fromA = guardian.SendAsync(familyId, intro.Id, "eerst, via A", first);
        await holdA.Held.WaitAsync(Bound); // committed on A, not yet published
        var fromB = On(b, coordinator).SendAsync(familyId, intro.Id, "daarna, via B");
        // B commits its batch and then must wait for A's turn to publish: seen as a waiter on PostgreSQL's advisory
        // lock. A B that published at once would have answered instead.
        await Task.WhenAny(fromB, WaiterOnAdvisoryLockAsync()).WaitAsync(Bound);
        holdA.Release();
        var (a1, b1) = (await fromA, await fromB);

        Assert.Equal(a1.Seq + 1, b1.Seq);
        foreach (var connection in new[] { onA, onB })
        {
            var got = new[] { await connection.Messages.ReadAsync().AsTask().WaitAsync(Bound), await connection.Messages.ReadAsync().AsTask().WaitAsync(Bound) };
            Assert.Equal(["eerst, via A", "daarna, via B"], got.Select(m => m.Text));
        }
        Assert.Equal(fills, HistoryReads());
    }

    [Fact]
    public async Task Withdrawal_ThroughNodeA_CountsOnNodeBAtOnce()
    {
        var krachtgezinOnB = On(b, krachtgezin);
        var live = await ConnectAsync(krachtgezinOnB);
        await krachtgezinOnB.HistoryAsync(familyId, intro.Id); // node B knows the family's state now
        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == krachtgezin.Session!.UserId
            && g.Grant.Scope == ConsentScopes.Channel(intro.Id));

        await guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId);

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => krachtgezinOnB.HistoryAsync(familyId, intro.Id));
        Assert.Equal(ProblemTypes.NoConsent, refused.ProblemType);
        await On(b, guardian).SendAsync(familyId, intro.Id, "na de intrekking, via B");
        await guardian.SendAsync(familyId, planning.Id, "daarna, op een kanaal dat het gezin wel mag lezen");
        var next = await live.Messages.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal((planning.Id, "daarna, op een kanaal dat het gezin wel mag lezen"), (next.ChannelId, next.Text));
    }

    [Fact]
    public async Task DocumentUpload_StartedOnAResumedOnB_CompletesByteExactOnEither()
    {
        var length = 2 * Vault.Crypto.DocumentFormat.BlockBytes + 5;
        var checkpoint = Path.Combine(data, "upload.checkpoint");
        using var kill = new CancellationTokenSource();
        var options = new UploadOptions
        {
            Name = "plan.pdf", CheckpointPath = checkpoint, Source = "plan.pdf",
            Progress = new OnProgress(p =>
            {
                if (p.Done > Vault.Crypto.DocumentFormat.BlockBytes)
                {
                    kill.Cancel(); // the first block is on node A; the client goes away
                }
            }),
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            guardian.UploadDocumentAsync(familyId, "plan", new PatternStream(length, 31), options, kill.Token));

        var result = await On(b, guardian).UploadDocumentAsync(familyId, "plan", new PatternStream(length, 31), options with { Progress = null });

        Assert.True(result.Resumed);
        foreach (var reader in new[] { guardian, On(b, guardian) })
        {
            using var sink = new HashSinkStream();
            await reader.DownloadDocumentAsync(familyId, result.DocumentId, 1, sink);
            Assert.Equal(PatternStream.Hash(length, 31), sink.Hash());
        }
    }

    private sealed class OnProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    [Fact]
    public async Task AuditLog_WrittenByBothNodes_VerifiesAsOneTree()
    {
        await guardian.SendAsync(familyId, intro.Id, "via A");
        await On(b, guardian).SendAsync(familyId, intro.Id, "via B");
        await guardian.SendAsync(familyId, intro.Id, "weer via A");

        foreach (var client in new[] { guardian, On(b, guardian) })
        {
            var verified = await client.VerifyAuditAsync(familyId, lastSeen: null);
            Assert.True(verified.Ok, verified.Failure?.ToString());
        }
        Assert.Equal((await guardian.GetTreeHeadAsync()).RootHash, (await On(b, guardian).GetTreeHeadAsync()).RootHash);
    }

    /// <summary>The database, through a pool of the node's own (PostgreSQL sees each node's sessions by name).</summary>
    private static string Pool(string connectionString, string node) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "vault-node-" + node }.ConnectionString;

    private static VaultClient On(NodeProcess node, VaultClient client) => node.Client(client);

    /// <summary>Some session waits for an advisory lock (polled: PostgreSQL announces no waiter).</summary>
    private async Task WaiterOnAdvisoryLockAsync()
    {
        while (Convert.ToInt64(a.Scalar("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"),
                   System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Holds node A's delivery of the batch holding one message, after its commit, until released.</summary>
    private sealed class HoldDelivery : ISendCommitHook
    {
        private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Guid message;

        public Task Held => held.Task;

        public void Hold(Guid clientMessageId) => message = clientMessageId;

        public void Release() => released.TrySetResult();

        public Task BeforeCommitAsync(Guid familyId, Guid channelId, Guid clientMessageId, CancellationToken ct) => Task.CompletedTask;

        public async Task BeforeDeliveryAsync(IReadOnlyList<MessageDelivery> committed)
        {
            if (committed.Any(m => m.ClientMessageId == message))
            {
                held.TrySetResult();
                await released.Task;
            }
        }
    }

    private long HistoryReads() => (long)a.Scalar("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'message.history.read'")!;

    private async Task<VaultConnection> ConnectAsync(VaultClient client)
    {
        var connection = new VaultConnection(client);
        connections.Add(connection);
        await connection.StartAsync();
        return connection;
    }
}
