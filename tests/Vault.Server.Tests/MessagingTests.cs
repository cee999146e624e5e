using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>End-to-end encrypted messaging through real SDK clients on real sockets (REST and the SignalR hub).</summary>
public sealed class MessagingTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a failure bound, never a wait
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private readonly List<VaultConnection> connections = [];
    private Guid familyId;
    private VaultClient coordinator = null!, guardian = null!, krachtgezin = null!, network = null!;
    private ChannelResponse intro = null!, family = null!;

    public MessagingTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        network = await cast.FamilyMemberAsync(guardian, familyId, Roles.Network, "oma.jansen");
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        // A second channel that everybody reads: a later message there proves an earlier one elsewhere never came.
        family = await guardian.CreateChannelAsync(familyId, "iedereen", [
            new ChannelMember(krachtgezin.Session!.UserId, Permissions.Write, "afstemming"),
            new ChannelMember(network.Session!.UserId, Permissions.Write, "afstemming")]);
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
    public async Task Send_OverHub_DeliveredToEveryEntitledMemberAndNoOneElse()
    {
        var toGuardian = await ConnectAsync(guardian);
        var toKrachtgezin = await ConnectAsync(krachtgezin);
        var toNetwork = await ConnectAsync(network);
        var toCoordinator = await ConnectAsync(coordinator);

        var sent = await krachtgezin.SendAsync(familyId, intro.Id, "Zullen we dinsdag afspreken?");
        foreach (var connection in new[] { toGuardian, toKrachtgezin, toCoordinator })
        {
            var received = await NextAsync(connection);
            Assert.Equal((intro.Id, sent.Seq, "Zullen we dinsdag afspreken?", true), (received.ChannelId, received.Seq, received.Text, received.Authentic));
        }
        // The network member has no grant for the introduction channel: the next thing it sees is the later message.
        await guardian.SendAsync(familyId, family.Id, "Etentje zondag");
        var next = await NextAsync(toNetwork);
        Assert.Equal((family.Id, "Etentje zondag"), (next.ChannelId, next.Text));
    }

    [Fact]
    public async Task Reconnect_AfterBeingOffline_MissedMessagesArriveOnceInOrder()
    {
        var live = await ConnectAsync(krachtgezin);
        await guardian.SendAsync(familyId, intro.Id, "één");
        Assert.Equal("één", (await NextAsync(live)).Text);

        await live.StopAsync();
        await guardian.SendAsync(familyId, intro.Id, "twee");
        await coordinator.SendAsync(familyId, intro.Id, "drie");
        await guardian.SendAsync(familyId, intro.Id, "vier");
        await live.StartAsync();

        var caughtUp = new[] { (await NextAsync(live)).Text, (await NextAsync(live)).Text, (await NextAsync(live)).Text };
        Assert.Equal("twee|drie|vier", string.Join('|', caughtUp));
        await guardian.SendAsync(familyId, intro.Id, "vijf");
        var fifth = await NextAsync(live);
        Assert.Equal(("vijf", 5L), (fifth.Text, fifth.Seq));
    }

    [Fact]
    public async Task Send_RetriedWithSameClientMessageId_StoredAndDeliveredOnce()
    {
        var live = await ConnectAsync(guardian);
        var id = Guid.NewGuid();
        var first = await krachtgezin.SendAsync(familyId, intro.Id, "dubbel?", id);
        var retry = await krachtgezin.SendAsync(familyId, intro.Id, "dubbel?", id); // e.g. the answer got lost on a bad line
        Assert.Equal(first.Seq, retry.Seq);

        Assert.Equal("dubbel?", (await NextAsync(live)).Text);
        await krachtgezin.SendAsync(familyId, intro.Id, "daarna");
        Assert.Equal("daarna", (await NextAsync(live)).Text);
        var (history, last) = await guardian.HistoryAsync(familyId, intro.Id);
        Assert.Equal(2, history.Count);
        Assert.Equal(2, last);
    }

    [Fact]
    public async Task RemoveMember_RingRotates_RemovedMemberCannotDecryptLaterCiphertext()
    {
        await krachtgezin.SendAsync(familyId, intro.Id, "voor het vertrek");
        Assert.Equal("voor het vertrek", (await krachtgezin.HistoryAsync(familyId, intro.Id)).Messages.Single().Text);

        await guardian.RemoveMemberAsync(familyId, krachtgezin.Session!.UserId);
        var after = await guardian.SendAsync(familyId, intro.Id, "na het vertrek: geheim"); // the SDK rotates first
        Assert.Equal(2, after.Epoch);

        // Even holding the ciphertext (say, leaked), the removed member cannot read it: no key for epoch 2.
        var opened = await krachtgezin.OpenAsync(after);
        Assert.False(opened.Authentic);
        Assert.Null(opened.Text);
        Assert.Equal(404, (await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.HistoryAsync(familyId, intro.Id))).Status);
        Assert.Equal("na het vertrek: geheim", (await coordinator.HistoryAsync(familyId, intro.Id)).Messages.Last().Text);
    }

    [Fact]
    public async Task Withdraw_OpenConnection_StopsReceivingThatChannel()
    {
        var live = await ConnectAsync(krachtgezin);
        await guardian.SendAsync(familyId, intro.Id, "nog zichtbaar");
        Assert.Equal("nog zichtbaar", (await NextAsync(live)).Text);

        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g =>
            g.Grant.GranteeUserId == krachtgezin.Session!.UserId && g.Grant.Scope == ConsentScopes.Channel(intro.Id));
        await guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId);
        var change = await live.AccessChanges.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal((ConsentScopes.Channel(intro.Id), "withdrawn"), (change.Scope, change.Change));

        var hidden = await guardian.SendAsync(familyId, intro.Id, "niet meer voor het krachtgezin");
        Assert.Equal(2, hidden.Epoch); // withdrawal forced a new epoch
        await guardian.SendAsync(familyId, family.Id, "wel voor iedereen");
        Assert.Equal("wel voor iedereen", (await NextAsync(live)).Text);
        Assert.False((await krachtgezin.OpenAsync(hidden)).Authentic);
    }

    [Fact]
    public async Task Send_BadEnvelopes_ClearErrorsNothingStoredConnectionSurvives()
    {
        var live = await ConnectAsync(krachtgezin);
        var session = krachtgezin.Session!;
        var key = await krachtgezin.EpochKeyAsync(familyId, ConsentScopes.Channel(intro.Id), 1);
        SendMessageRequest Request(Guid id, int epoch, byte[] envelope) => new(id, epoch, MessageKinds.Message, null, envelope);
        byte[] Seal(Guid id, int epoch = 1, string kind = MessageKinds.Message, DeviceKeys? signer = null) => MessageEnvelope.Seal(
            new EnvelopeHeader(familyId, intro.Id, epoch, session.DeviceId, id, kind, null), "hallo"u8, key, signer ?? session.Device);

        var id = Guid.NewGuid();
        var tampered = Seal(id);
        tampered[40] ^= 1;
        using var stranger = DeviceKeys.Generate();
        var cases = new (SendMessageRequest Request, string Type)[]
        {
            (Request(id, 1, tampered), ProblemTypes.InvalidSignature),
            (Request(id, 1, Seal(id, signer: stranger)), ProblemTypes.InvalidSignature),
            (Request(id, 1, Seal(Guid.NewGuid())), ProblemTypes.InvalidSignature), // signed for another message id
            (Request(id, 2, Seal(id, epoch: 2)), ProblemTypes.StaleEpoch),
            (Request(id, 1, new byte[70_000]), ProblemTypes.PayloadTooLarge),
            (Request(id, 1, [1, 2, 3]), ProblemTypes.InvalidEnvelope),
            (Request(Guid.Empty, 1, Seal(id)), ProblemTypes.Validation),
        };
        foreach (var (request, type) in cases)
        {
            var error = await Assert.ThrowsAsync<VaultApiException>(() => live.SendRequestAsync(familyId, intro.Id, request, default));
            Assert.Equal(type, error.ProblemType);
        }
        // Another family's channel looks like nothing at all.
        var (otherFamily, otherCoordinator, otherGuardian) = await cast.FamilyAsync("b");
        var otherChannel = await Cast.IntroChannelAsync(otherGuardian, otherFamily, otherCoordinator);
        var foreign = await Assert.ThrowsAsync<VaultApiException>(() =>
            live.SendRequestAsync(otherFamily, otherChannel.Id, Request(Guid.NewGuid(), 1, Seal(Guid.NewGuid())), default));
        Assert.Equal(ProblemTypes.NotFound, foreign.ProblemType);

        Assert.Equal(0, (await guardian.HistoryAsync(familyId, intro.Id)).LastSeq);
        Assert.True(live.IsConnected);
        var fine = await krachtgezin.SendAsync(familyId, intro.Id, "het werkt nog");
        Assert.Equal(1, fine.Seq);
    }

    [Fact]
    public async Task EditAndDelete_NewSignedEnvelopes_DeleteErasesOriginalCiphertext()
    {
        var original = await krachtgezin.SendAsync(familyId, intro.Id, "afspraak om 10 uur");
        await krachtgezin.EditAsync(familyId, intro.Id, original.ClientMessageId, "afspraak om 11 uur");
        var notYours = await Assert.ThrowsAsync<VaultApiException>(() => guardian.EditAsync(familyId, intro.Id, original.ClientMessageId, "nee"));
        Assert.Equal(ProblemTypes.Validation, notYours.ProblemType);

        var (history, _) = await guardian.HistoryAsync(familyId, intro.Id);
        Assert.Equal([MessageKinds.Message, MessageKinds.Edit], history.Select(m => m.Kind));
        Assert.Equal(original.ClientMessageId, history[1].RefClientMessageId);
        Assert.Equal("afspraak om 11 uur", history[1].Text);

        await krachtgezin.DeleteAsync(familyId, intro.Id, original.ClientMessageId);
        (history, _) = await guardian.HistoryAsync(familyId, intro.Id);
        Assert.True(history[0].Deleted);
        Assert.Null(history[0].Text);
        Assert.Equal(MessageKinds.Delete, history[2].Kind);
        Assert.True(history[2].Authentic);
    }

    [Fact]
    public async Task MarkRead_ReceiptVisibleToFamilyAndAudited()
    {
        var sent = await krachtgezin.SendAsync(familyId, intro.Id, "gelezen?");
        await guardian.MarkReadAsync(familyId, intro.Id, sent.Seq);

        var receipt = Assert.Single(await krachtgezin.ReceiptsAsync(familyId, intro.Id));
        Assert.Equal((guardian.Session!.UserId, sent.Seq), (receipt.UserId, receipt.UpToSeq));
        var audit = await guardian.VerifyAuditAsync(familyId, null);
        Assert.True(audit.Ok, audit.Failure?.ToString());
        Assert.Contains(AuditActions(), a => a == "message.read");
    }

    [Fact]
    public async Task Retention_ExpiredMessages_HiddenFromHistory()
    {
        await guardian.SetRetentionAsync(familyId, intro.Id, 7);
        await guardian.SendAsync(familyId, intro.Id, "oud bericht");
        await guardian.SendAsync(familyId, intro.Id, "nieuw bericht");
        Execute("UPDATE Messages SET SentAt = @old WHERE Seq = 1", ("@old", DateTimeOffset.UtcNow.AddDays(-8)));

        var (history, _) = await krachtgezin.HistoryAsync(familyId, intro.Id);
        Assert.Equal("nieuw bericht", Assert.Single(history).Text);
    }

    [Fact]
    public async Task Messages_KnownPlaintext_NeverOnDiskOrInLogs()
    {
        const string secret = "Geheime tekst over het gezin 7f3a";
        var live = await ConnectAsync(guardian);
        await krachtgezin.SendAsync(familyId, intro.Id, secret);
        Assert.Equal(secret, (await NextAsync(live)).Text);
        await guardian.HistoryAsync(familyId, intro.Id);

        var needles = new[] { Encoding.UTF8.GetBytes(secret), Encoding.Unicode.GetBytes(secret), Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))) };
        foreach (var bytes in server.StoredBytes())
        {
            Assert.DoesNotContain(needles, n => bytes.AsSpan().IndexOf(n) >= 0);
        }
        Assert.DoesNotContain(server.Logs, line => line.Contains(secret, StringComparison.Ordinal));
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
}
