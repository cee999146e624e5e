using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Consent;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// A channel over time: members added later, grants that run out, retention, archiving and revoked devices — each
/// through real SDK clients on real sockets, with the server's sweepers run on demand.
/// </summary>
public sealed class ChannelLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a failure bound, never a wait
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private readonly List<VaultConnection> connections = [];
    private Guid familyId;
    private VaultClient coordinator = null!, guardian = null!, krachtgezin = null!;
    private ChannelResponse intro = null!;

    public ChannelLifecycleTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        server.Dispose();
    }

    [Fact]
    public async Task AddMember_ExistingChannel_ReadsLaterMessagesButNotEarlierOnes()
    {
        var before = await coordinator.SendAsync(familyId, intro.Id, "voor de komst van het krachtgezin");
        var live = await ConnectAsync(krachtgezin);

        await guardian.GrantAsync(VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, ConsentScopes.Channel(intro.Id),
            Permissions.Write, "begeleiding"));
        var after = await coordinator.SendAsync(familyId, intro.Id, "welkom!");

        // The connection fills the gap from history first: the earlier message arrives, but cannot be opened.
        var earlier = await NextAsync(live);
        Assert.Equal((before.Seq, null, false), (earlier.Seq, earlier.Text, earlier.Authentic));
        var received = await NextAsync(live);
        Assert.Equal((after.Seq, "welkom!", true), (received.Seq, received.Text, received.Authentic));
        var (history, _) = await krachtgezin.HistoryAsync(familyId, intro.Id);
        Assert.Equal([false, true], history.Select(m => m.Authentic));
        Assert.Null(history[0].Text); // the earlier epoch was never shared: the new member cannot decrypt it
        Assert.True(after.Epoch > before.Epoch);
    }

    [Fact]
    public async Task AddMember_WithHistory_ReadsEarlierMessagesToo()
    {
        await coordinator.SendAsync(familyId, intro.Id, "het verhaal tot nu toe");
        await guardian.GrantAsync(VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, ConsentScopes.Channel(intro.Id),
            Permissions.Read, "begeleiding"), shareHistory: true);

        var (history, _) = await krachtgezin.HistoryAsync(familyId, intro.Id);
        Assert.Equal("het verhaal tot nu toe", Assert.Single(history).Text);
    }

    [Fact]
    public async Task RemoveMember_WhoOnceRotatedTheRing_FreshDevicesStillReadEverythingAndWrite()
    {
        var scope = ConsentScopes.Channel(intro.Id);
        await guardian.GrantAsync(VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, scope, Permissions.Write, "begeleiding"));
        await krachtgezin.RotateAsync(familyId, scope); // its device now signs the wraps of the current epoch
        await krachtgezin.SendAsync(familyId, intro.Id, "van het krachtgezin");
        await guardian.RemoveMemberAsync(familyId, krachtgezin.Session.UserId);

        var fresh = server.NewClient(); // an empty key cache, as every CLI call has
        await fresh.LoginAsync("moeder", Cast.Passphrase, guardian.Session!.DeviceId, guardian.Session.Device);
        var (history, _) = await fresh.HistoryAsync(familyId, intro.Id);
        Assert.Equal("van het krachtgezin", Assert.Single(history).Text);
        await fresh.SendAsync(familyId, intro.Id, "verder zonder het krachtgezin");
        Assert.Equal("verder zonder het krachtgezin", (await coordinator.HistoryAsync(familyId, intro.Id)).Messages[^1].Text);
    }

    [Fact]
    public async Task GrantLapse_Swept_RingRotatesAndLapsedMemberGetsNothingNew()
    {
        var grant = await guardian.GrantAsync(VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId,
            ConsentScopes.Channel(intro.Id), Permissions.Read, "proefperiode", validUntil: DateTimeOffset.UtcNow.AddDays(30)));
        var other = await guardian.CreateChannelAsync(familyId, "afstemming",
            [new ChannelMember(krachtgezin.Session.UserId, Permissions.Write, "afstemming")]);
        var live = await ConnectAsync(krachtgezin);
        await coordinator.SendAsync(familyId, intro.Id, "tijdens de proefperiode");
        Assert.Equal("tijdens de proefperiode", (await NextAsync(live)).Text);

        ConsentTests.ExpireGrant(server, grant.Grant.GrantId); // thirty days later
        Assert.Equal(1, await server.Services.GetRequiredService<GrantLapseSweeper>().SweepAsync(CancellationToken.None));
        var change = await live.AccessChanges.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal((ConsentScopes.Channel(intro.Id), AccessChanges.Expired), (change.Scope, change.Change));
        Assert.Equal(0, await server.Services.GetRequiredService<GrantLapseSweeper>().SweepAsync(CancellationToken.None));

        var later = await coordinator.SendAsync(familyId, intro.Id, "na de proefperiode"); // the SDK rotates first
        Assert.Equal(3, later.Epoch); // 2: the grant's rotation; 3: after the lapse
        Assert.False((await krachtgezin.OpenAsync(later)).Authentic);
        // Delivery on one connection keeps its order: the next thing it sees is this later message elsewhere.
        await guardian.SendAsync(familyId, other.Id, "wel voor het krachtgezin");
        Assert.Equal("wel voor het krachtgezin", (await NextAsync(live)).Text);
        Assert.Contains("grant.lapsed", AuditActions());
    }

    [Fact]
    public async Task Retention_SweeperDeletesExpiredRowsAuditedAndLongerRetentionBringsNothingBack()
    {
        await guardian.SetRetentionAsync(familyId, intro.Id, 7);
        await guardian.SendAsync(familyId, intro.Id, "oud bericht");
        await guardian.SendAsync(familyId, intro.Id, "nieuw bericht");
        Execute("UPDATE Messages SET SentAt = @old WHERE Seq = 1", ("@old", DateTimeOffset.UtcNow.AddDays(-8)));

        await guardian.SetRetentionAsync(familyId, intro.Id, 30); // longer: the expired one must stay gone
        Assert.Equal("nieuw bericht", Assert.Single((await coordinator.HistoryAsync(familyId, intro.Id)).Messages).Text);
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM Messages"));

        Execute("UPDATE Messages SET SentAt = @old WHERE Seq = 2", ("@old", DateTimeOffset.UtcNow.AddDays(-31)));
        Assert.Equal(1, await server.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None));
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM Messages"));
        Assert.Equal(2, (AuditActions()).Count(a => a == "messages.expired"));
        Assert.Equal(2, (await coordinator.ListChannelsAsync(familyId)).Single().Channel.LastSeq); // numbering goes on
    }

    [Fact]
    public async Task RevokeDevice_LiveConnectionClosedAndRingRotatesBeforeNextWrite()
    {
        var first = await coordinator.SendAsync(familyId, intro.Id, "voor de intrekking");
        var dropped = new TaskCompletionSource();
        var coordinatorLive = await ConnectAsync(coordinator);
        coordinatorLive.Disconnected += _ => { dropped.TrySetResult(); return Task.CompletedTask; };

        await coordinator.RevokeDeviceAsync(coordinator.Session!.DeviceId);
        await dropped.Task.WaitAsync(Bound);

        var next = await guardian.SendAsync(familyId, intro.Id, "na de intrekking");
        Assert.True(next.Epoch > first.Epoch);
        Assert.False((await coordinator.OpenAsync(next)).Authentic);
    }

    private async Task<VaultConnection> ConnectAsync(VaultClient client)
    {
        var connection = new VaultConnection(client);
        connections.Add(connection);
        await connection.StartAsync();
        return connection;
    }

    private static async Task<ReceivedMessage> NextAsync(VaultConnection connection) =>
        await connection.Messages.ReadAsync().AsTask().WaitAsync(Bound);

    private List<string> AuditActions() => server.Column<string>("SELECT Action FROM AuditEntries");

    private void Execute(string sql, params (string Name, object Value)[] parameters) =>
        Assert.True(server.Sql(sql, parameters) > 0);

    private long Scalar(string sql) => (long)server.Scalar(sql)!;
}
