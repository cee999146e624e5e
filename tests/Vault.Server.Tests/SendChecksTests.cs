using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Crypto;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// The checks a send passes before it is stored, and the same checks again at the commit: a change that commits in
/// between (a rotation, a withdrawal or lapse, a revoked device, a deleted original) must win. The competing change is
/// committed through the send's own seam, after its checks and before its commit, so the race is certain, not likely.
/// Sends are posted raw: the SDK would rotate and retry after a stale epoch, hiding the server's first answer.
/// </summary>
public sealed class SendChecksTests : IAsyncLifetime
{
    private readonly RaceHook race = new();
    private readonly VaultServer server;
    private readonly Cast cast;
    private Guid familyId;
    private VaultClient coordinator = null!, guardian = null!, krachtgezin = null!;
    private ChannelResponse intro = null!;

    public SendChecksTests()
    {
        server = new VaultServer { ConfigureTestServices = services => services.AddSingleton<ISendCommitHook>(race) };
        cast = new Cast(server);
    }

    private string Scope => ConsentScopes.Channel(intro.Id);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("rotated")] // the ring moved on to epoch 2
    [InlineData("stale")]   // epoch 1 is still current, but someone lost access: rotate first
    public async Task Send_StaleEpoch_RefusedBeforeAnythingIsAudited(string change)
    {
        if (change == "rotated")
        {
            await guardian.RotateAsync(familyId, Scope);
        }
        else
        {
            await guardian.WithdrawGrantAsync(familyId, await GrantIdAsync(coordinator));
        }
        var request = await SealAsync(krachtgezin, epoch: 1);

        Assert.Equal((409, ProblemTypes.StaleEpoch), await SendRawAsync(krachtgezin, request));
        await AssertNotStoredAsync(request);
        // The audit log never says a send was allowed that was then refused.
        Assert.Equal(0L, server.Scalar("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'message.sent' AND Allowed = TRUE AND Resource = @r",
            ("@r", $"{Scope}/messages/{request.ClientMessageId}")));
    }

    [Fact]
    public async Task Send_RotationCommitsBetweenCheckAndCommit_RefusedAsStale()
    {
        var request = await SealAsync(krachtgezin, epoch: 1);
        race.Arm(request.ClientMessageId, () => guardian.RotateAsync(familyId, Scope));

        Assert.Equal((409, ProblemTypes.StaleEpoch), await SendRawAsync(krachtgezin, request));
        Assert.True(race.Fired);
        await AssertNotStoredAsync(request);
        Assert.Equal(2, (await guardian.GetKeyRingAsync(familyId, Scope)).CurrentEpoch);
    }

    [Fact]
    public async Task Send_ConsentWithdrawnBetweenCheckAndCommit_RefusedAsNoConsent()
    {
        var grantId = await GrantIdAsync(krachtgezin);
        var request = await SealAsync(krachtgezin, epoch: 1);
        race.Arm(request.ClientMessageId, () => guardian.WithdrawGrantAsync(familyId, grantId));

        Assert.Equal((403, ProblemTypes.NoConsent), await SendRawAsync(krachtgezin, request));
        Assert.True(race.Fired);
        await AssertNotStoredAsync(request);
    }

    [Fact]
    public async Task Send_GrantLapsesBetweenCheckAndCommit_RefusedAsNoConsent()
    {
        // A lapse is only time passing: nothing marks the ring stale until the sweeper runs, so the commit's own
        // consent check is all that stands between an expired grant and a stored message.
        var grantId = await GrantIdAsync(krachtgezin);
        var request = await SealAsync(krachtgezin, epoch: 1);
        race.Arm(request.ClientMessageId, () =>
        {
            Assert.Equal(1, server.Sql("UPDATE Grants SET ValidUntilUnixMs = @past WHERE Id = @id",
                ("@past", DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds()), ("@id", grantId)));
            return Task.CompletedTask;
        });

        Assert.Equal((403, ProblemTypes.NoConsent), await SendRawAsync(krachtgezin, request));
        Assert.True(race.Fired);
        await AssertNotStoredAsync(request);
    }

    [Fact]
    public async Task Send_DeviceRevokedBetweenCheckAndCommit_RefusedAsNoConsent()
    {
        var request = await SealAsync(krachtgezin, epoch: 1);
        race.Arm(request.ClientMessageId, () => krachtgezin.RevokeDeviceAsync(krachtgezin.Session!.DeviceId));

        Assert.Equal((403, ProblemTypes.NoConsent), await SendRawAsync(krachtgezin, request));
        Assert.True(race.Fired);
        await AssertNotStoredAsync(request);
    }

    [Fact]
    public async Task Edit_OriginalDeletedBetweenCheckAndCommit_RefusedAndNoEditStored()
    {
        var original = await krachtgezin.SendAsync(familyId, intro.Id, "afspraak om 10 uur");
        var edit = await SealAsync(krachtgezin, epoch: 1, MessageKinds.Edit, original.ClientMessageId);
        race.Arm(edit.ClientMessageId, () => krachtgezin.DeleteAsync(familyId, intro.Id, original.ClientMessageId));

        Assert.Equal((400, ProblemTypes.Validation), await SendRawAsync(krachtgezin, edit));
        Assert.True(race.Fired);
        var (history, last) = await guardian.HistoryAsync(familyId, intro.Id);
        Assert.Equal([MessageKinds.Message, MessageKinds.Delete], history.Select(m => m.Kind));
        Assert.Equal(2, last);
    }

    private async Task<SendMessageRequest> SealAsync(VaultClient sender, int epoch, string kind = MessageKinds.Message, Guid? reference = null)
    {
        var session = sender.Session!;
        var id = Guid.NewGuid();
        var key = await sender.EpochKeyAsync(familyId, Scope, epoch);
        var header = new EnvelopeHeader(familyId, intro.Id, epoch, session.DeviceId, id, kind, reference);
        return new SendMessageRequest(id, epoch, kind, reference, MessageEnvelope.Seal(header, """{"text":"hallo"}"""u8, key, session.Device));
    }

    private Task<(int, string?)> SendRawAsync(VaultClient sender, SendMessageRequest request) =>
        server.PostAsync(sender, $"/families/{familyId}/channels/{intro.Id}/messages", request);

    private async Task<Guid> GrantIdAsync(VaultClient grantee) => (await guardian.ListGrantsAsync(familyId))
        .Single(g => g.Grant.GranteeUserId == grantee.Session!.UserId && g.Grant.Scope == Scope).Grant.GrantId;

    /// <summary>No message, and no sequence number spent: the channel's history is as it was.</summary>
    private async Task AssertNotStoredAsync(SendMessageRequest request)
    {
        var (history, last) = await guardian.HistoryAsync(familyId, intro.Id);
        Assert.DoesNotContain(history, m => m.ClientMessageId == request.ClientMessageId);
        Assert.Equal(history.Count, last);
    }

    /// <summary>Commits one competing change inside one chosen send, after its checks and before its commit.</summary>
    private sealed class RaceHook : ISendCommitHook
    {
        private (Guid ClientMessageId, Func<Task> Change)? armed;
        private int fired;

        public bool Fired => Volatile.Read(ref fired) > 0;

        public void Arm(Guid clientMessageId, Func<Task> change) => armed = (clientMessageId, change);

        public async Task BeforeCommitAsync(Guid familyId, Guid channelId, Guid clientMessageId, CancellationToken ct)
        {
            // Only the chosen send, once: the competing change may itself be a send (a deletion) passing through here.
            if (armed is { } race && race.ClientMessageId == clientMessageId)
            {
                armed = null;
                Interlocked.Increment(ref fired);
                await race.Change();
            }
        }
    }
}
