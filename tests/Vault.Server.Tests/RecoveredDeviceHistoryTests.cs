using System.Net.Http.Headers;
using System.Net.Http.Json;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.KeyRings;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// A device set up from the passphrase alone reads all the history its user may read, also in later sessions that
/// hold only the device keys (as the CLI stores them): the SDK wraps every identity-wrapped epoch key again for the
/// new device while the identity keys are in memory. Issue 9, item 10.
/// </summary>
public sealed class RecoveredDeviceHistoryTests : IAsyncLifetime
{
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private readonly Dictionary<Guid, List<string>> sent = [];
    private Guid familyId, otherFamilyId;
    private VaultClient guardian = null!, coordinator = null!, grandpa = null!, otherGuardian = null!;
    private Guid intro, family, otherChannel;

    public RecoveredDeviceHistoryTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        grandpa = await cast.FamilyMemberAsync(guardian, familyId, Roles.Network, "opa.de.vries");
        var grandpaId = grandpa.Session!.UserId;

        // Epoch 1 of the introduction channel; then a rotation, so epoch 2 exists before any new device too.
        intro = (await guardian.CreateChannelAsync(familyId, "kennismaking", [
            new ChannelMember(coordinator.Session!.UserId, Permissions.Write, "begeleiding"),
            new ChannelMember(grandpaId, Permissions.Read, "meelezen")])).Id;
        await SendAsync(guardian, familyId, intro, "Welkom allemaal");
        await SendAsync(coordinator, familyId, intro, "Dank je, tot dinsdag");
        Assert.Equal(2, await guardian.RotateAsync(familyId, ConsentScopes.Channel(intro)));
        await SendAsync(coordinator, familyId, intro, "Verslag van dinsdag volgt");
        await SendAsync(guardian, familyId, intro, "Top");

        family = (await guardian.CreateChannelAsync(familyId, "familie", [new ChannelMember(grandpaId, Permissions.Read, "familie")])).Id;
        await SendAsync(guardian, familyId, family, "Zondag eten bij oma?");

        // A key ring of another kind of scope: a document category the read-only grantee may read.
        await guardian.GrantAsync(VaultClient.NewGrant(familyId, grandpaId, ConsentScopes.Documents("plan"), Permissions.Read, "plan lezen"));
        await guardian.RotateAsync(familyId, ConsentScopes.Documents("plan"));

        // A second family the read-only grantee belongs to.
        VaultClient otherCoordinator;
        (otherFamilyId, otherCoordinator, otherGuardian) = await cast.FamilyAsync("b");
        await Cast.JoinAsync(otherGuardian, grandpa, otherFamilyId, Roles.Network);
        otherChannel = (await otherGuardian.CreateChannelAsync(otherFamilyId, "andere tak",
            [new ChannelMember(otherCoordinator.Session!.UserId, Permissions.Write, "begeleiding"),
                new ChannelMember(grandpaId, Permissions.Read, "familie")])).Id;
        await SendAsync(otherGuardian, otherFamilyId, otherChannel, "Ook hier een bericht");
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RecoverOnNewDevice_ReadOnlyGrantee_LaterSessionsWithoutIdentityKeysReadAllHistory()
    {
        var phone = await RecoverAsync("opa.de.vries");

        await AssertReadsEverythingAsync(phone, familyId, intro, family);
        await AssertReadsEverythingAsync(phone, otherFamilyId, otherChannel);
        var plan = ConsentScopes.Documents("plan");
        Assert.Equal(await guardian.EpochKeyAsync(familyId, plan, 1), await phone.EpochKeyAsync(familyId, plan, 1));
    }

    [Fact]
    public async Task RecoverOnNewDevice_Guardian_LaterSessionsWithoutIdentityKeysReadAllHistoryAndWrite()
    {
        var phone = await RecoverAsync("moeder");

        await AssertReadsEverythingAsync(phone, familyId, intro, family);
        await SendAsync(phone, familyId, intro, "Nu vanaf mijn nieuwe telefoon");
        await AssertReadsEverythingAsync(coordinator, familyId, intro);
    }

    [Fact]
    public async Task RecoverOnNewDevice_LostPhoneAndTheWrappersDeviceRevoked_StillReadsAllHistory()
    {
        // The guardian lost the device that wrapped every epoch so far: she recovers on a new one and revokes it.
        var lostId = guardian.Session!.DeviceId;
        var herNewPhone = server.NewClient();
        await herNewPhone.RecoverOnNewDeviceAsync("moeder", Cast.Passphrase, "nieuwe telefoon");
        await herNewPhone.RevokeDeviceAsync(lostId);

        // Then opa loses his phone too: his history was wrapped by a device that is revoked now, before it was.
        var opaOld = grandpa.Session!.DeviceId;
        var opaNew = await RecoverAsync("opa.de.vries");
        await opaNew.RevokeDeviceAsync(opaOld);

        await AssertReadsEverythingAsync(opaNew, familyId, intro, family);
        await SendAsync(WithoutIdentityKeys(herNewPhone.Session!), familyId, intro, "Na het verlies: alles nog leesbaar");
        await AssertReadsEverythingAsync(opaNew, familyId, intro);
    }

    [Fact]
    public async Task LoginWithPassphrase_DeviceMissingWraps_WrapsThemAgain()
    {
        var phone = await RecoverAsync("opa.de.vries");
        var session = phone.Session!;
        // As if the recovery had stopped half-way: the new device's wraps are gone again.
        Assert.True(server.Sql("DELETE FROM KeyWraps WHERE RecipientDeviceId = @d", ("@d", session.DeviceId)) > 0);

        var again = server.NewClient();
        await again.LoginAsync("opa.de.vries", Cast.Passphrase, session.DeviceId, session.Device);

        await AssertReadsEverythingAsync(WithoutIdentityKeys(again.Session!), familyId, intro, family);
    }

    [Fact]
    public async Task SelfWrap_ByReadOnlyGrantee_AuditedWithItsPurposeBeforeItIsStored()
    {
        var phone = await RecoverAsync("opa.de.vries");

        var audited = server.Column<string>("SELECT Resource || '|' || Purpose FROM AuditEntries WHERE Action = 'keyring.self-wrapped' "
            + "AND ActorDeviceId = @d ORDER BY \"Index\"", ("@d", phone.Session!.DeviceId));
        Assert.Contains($"{ConsentScopes.Channel(intro)}/keyring/1|meelezen", audited);
        Assert.Contains($"{ConsentScopes.Channel(intro)}/keyring/2|meelezen", audited);
        Assert.Contains($"{ConsentScopes.Documents("plan")}/keyring/1|plan lezen", audited);
        // Handing out the identity wraps was audited as a read of each key ring, with the grant's purpose.
        var read = server.Column<string>("SELECT Resource || '|' || Purpose FROM AuditEntries WHERE Action = 'keyring.read' "
            + "AND ActorDeviceId = @d", ("@d", phone.Session.DeviceId));
        Assert.Contains($"{ConsentScopes.Channel(intro)}/keyring|meelezen", read);
        Assert.Contains($"{ConsentScopes.Documents("plan")}/keyring|plan lezen", read);
        var stored = (long)server.Scalar("SELECT COUNT(*) FROM KeyWraps WHERE RecipientDeviceId = @d",
            ("@d", phone.Session.DeviceId))!;
        Assert.Equal(stored, audited.Count);
    }

    [Fact]
    public async Task SelfWrap_EpochNeverWrappedForTheIdentityKey_RefusedNoConsent()
    {
        // A channel the grantee joins later (the ring rotates): epoch 1 was never theirs.
        var later = (await guardian.CreateChannelAsync(familyId, "later", [])).Id;
        var scope = ConsentScopes.Channel(later);
        await SendAsync(guardian, familyId, later, "Voor de grant");
        await guardian.GrantAsync(VaultClient.NewGrant(familyId, grandpa.Session!.UserId, scope, Permissions.Read, "meelezen"));

        Assert.Equal((403, ProblemTypes.NoConsent), await SelfWrapAsync(grandpa, scope, 1, KeyWrap.NewEpochKey()));
        Assert.Equal("Voor de grant", (await guardian.HistoryAsync(familyId, later)).Messages.Single().Text);
        Assert.False((await grandpa.HistoryAsync(familyId, later)).Messages.Single().Authentic);
    }

    [Fact]
    public async Task Wrap_ReaderForAnotherOfItsOwnDevices_RefusedNoConsent()
    {
        var phone = server.NewClient();
        await phone.RecoverOnNewDeviceAsync("opa.de.vries", Cast.Passphrase, "phone");
        var scope = ConsentScopes.Channel(intro);
        server.Sql("DELETE FROM KeyWraps WHERE RecipientDeviceId = @d", ("@d", phone.Session!.DeviceId));

        // Only the device itself may add its wrap as a reader: wrapping for any other device is managing the ring.
        Assert.Equal((403, ProblemTypes.NoConsent), await SelfWrapAsync(grandpa, scope, 2, await grandpa.EpochKeyAsync(familyId, scope, 2), phone.Session));
        Assert.Equal((204, null), await SelfWrapAsync(phone, scope, 2, await guardian.EpochKeyAsync(familyId, scope, 2)));
    }

    [Fact]
    public async Task RecoverOnNewDevice_IdentityWrapSwappedByTheServer_NotAdopted()
    {
        // A lying server seals a key of its own to the (public) identity key: no certified device signed that wrap.
        var scope = ConsentScopes.Channel(intro);
        var planted = KeyWrap.NewEpochKey();
        var identityBoxKey = (await guardian.GetUserKeysAsync(grandpa.Session!.UserId)).IdentityBoxKey;
        Assert.Equal(1, server.Sql("UPDATE KeyWraps SET WrappedKey = @k WHERE Scope = @s AND Epoch = 2 AND RecipientUserId = @u "
            + "AND RecipientDeviceId = @none", ("@k", KeyWrap.Seal(planted, identityBoxKey)), ("@s", scope),
            ("@u", grandpa.Session.UserId), ("@none", Guid.Empty)));

        var phone = await RecoverAsync("opa.de.vries");

        var held = server.Column<long>("SELECT Epoch FROM KeyWraps WHERE Scope = @s AND RecipientDeviceId = @d ORDER BY Epoch",
            ("@s", scope), ("@d", phone.Session!.DeviceId));
        Assert.Equal([1L], held);
        var (messages, _) = await phone.HistoryAsync(familyId, intro);
        Assert.Equal([true, true, false, false], messages.Select(m => m.Authentic));
    }

    [Fact]
    public async Task SelfWrap_DeviceAlreadyHoldsTheEpoch_Conflict()
    {
        var scope = ConsentScopes.Channel(intro);
        var key = await grandpa.EpochKeyAsync(familyId, scope, 2);

        Assert.Equal((409, ProblemTypes.Conflict), await SelfWrapAsync(grandpa, scope, 2, key));
    }

    [Fact]
    public async Task IdentityWraps_GrantWithdrawn_NothingHandedOutAndSelfWrapRefused()
    {
        var phone = server.NewClient();
        await phone.RecoverOnNewDeviceAsync("opa.de.vries", Cast.Passphrase, "phone");
        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == grandpa.Session!.UserId
            && g.Grant.Scope == ConsentScopes.Channel(family));
        await guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId);
        server.Sql("DELETE FROM KeyWraps WHERE RecipientDeviceId = @d", ("@d", phone.Session!.DeviceId));

        var pending = await phone.GetIdentityWrapsAsync();
        Assert.DoesNotContain(pending, p => p.Scope == ConsentScopes.Channel(family));
        Assert.Contains(pending, p => p.FamilyId == familyId && p.Scope == ConsentScopes.Channel(intro));
        // Withheld, not refused: the device asked for no scope in particular, so the log shows no denied attempt.
        Assert.Equal(0L, server.Scalar("SELECT COUNT(*) FROM AuditEntries WHERE Allowed = FALSE AND ActorDeviceId = @d",
            ("@d", phone.Session.DeviceId)));
        var key = await guardian.EpochKeyAsync(familyId, ConsentScopes.Channel(family), 1);
        Assert.Equal((403, ProblemTypes.NoConsent), await SelfWrapAsync(phone, ConsentScopes.Channel(family), 1, key));
    }

    /// <summary>Recovers on a new device, then returns a later session of it that holds only its device keys.</summary>
    private async Task<VaultClient> RecoverAsync(string username)
    {
        var recovering = server.NewClient();
        var session = await recovering.RecoverOnNewDeviceAsync(username, Cast.Passphrase, "phone");
        return WithoutIdentityKeys(session);
    }

    /// <summary>What the CLI keeps between commands: device keys, identity public keys and tokens, no identity secret.</summary>
    private VaultClient WithoutIdentityKeys(DeviceSession s)
    {
        var client = server.NewClient();
        client.Resume(new DeviceSession(s.UserId, s.Username, s.DeviceId, DeviceKeys.FromSecrets(s.Device.SigningSeed, s.Device.BoxSecret), null)
        {
            IdentitySigningPublicKey = s.IdentitySigningPublicKey, IdentityBoxPublicKey = s.IdentityBoxPublicKey,
            AccessToken = s.AccessToken, RefreshToken = s.RefreshToken, AccessTokenExpiresAt = s.AccessTokenExpiresAt,
        });
        Assert.Null(client.Session!.Identity);
        return client;
    }

    private async Task AssertReadsEverythingAsync(VaultClient reader, Guid family, params Guid[] channels)
    {
        var listed = await reader.ListChannelsAsync(family);
        foreach (var channel in channels)
        {
            Assert.NotNull(listed.Single(c => c.Channel.Id == channel).Name);
            var (messages, _) = await reader.HistoryAsync(family, channel);
            Assert.All(messages, m => Assert.True(m.Authentic, $"#{m.Seq} of {channel} did not open"));
            Assert.Equal(sent[channel], messages.Select(m => m.Text!));
        }
    }

    private async Task SendAsync(VaultClient sender, Guid family, Guid channel, string text)
    {
        await sender.SendAsync(family, channel, text);
        (sent.TryGetValue(channel, out var texts) ? texts : sent[channel] = []).Add(text);
    }

    /// <summary>One epoch key sealed to the caller's own device and signed by it (as the SDK uploads it), over plain HTTP.</summary>
    private async Task<(int Status, string? Type)> SelfWrapAsync(VaultClient client, string scope, int epoch, byte[] key,
        DeviceSession? forDevice = null)
    {
        var s = client.Session!;
        var (deviceId, boxKey) = forDevice is null ? (s.DeviceId, s.Device.BoxPublicKey) : (forDevice.DeviceId, forDevice.Device.BoxPublicKey);
        var wrapped = KeyWrap.Seal(key, boxKey);
        var upload = new KeyWrapUpload(s.UserId, deviceId, wrapped,
            s.Device.Sign(KeyWrap.Statement(familyId, scope, epoch, s.UserId, deviceId, wrapped)));
        using var http = server.NewHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}/epochs/{epoch}/wraps")
        {
            Content = JsonContent.Create(new AddWrapsRequest([upload])),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await client.AccessTokenAsync());
        using var response = await http.SendAsync(request);
        var problem = response.IsSuccessStatusCode ? null : await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        return ((int)response.StatusCode, problem?.Type);
    }
}
