using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Families;
using Vault.Contracts.KeyRings;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// Checks the server makes when something is submitted, not later when it is used: a grant a role may not hold is
/// refused at once (never stored and active, only to be refused at read time), and a key wrap is taken only with a
/// valid signature of the uploading device.
/// </summary>
public sealed class SubmissionChecksTests : IDisposable
{
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public SubmissionChecksTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task SubmitGrant_ChannelScopeForGemeente_ScopeNotAllowedAndNothingStored()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var gemeente = await cast.AccountAsync(Roles.Gemeente, "gemeente.utrecht");
        await Cast.JoinAsync(coordinator, gemeente, familyId, Roles.Gemeente);
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        var gemeenteId = gemeente.Session!.UserId;

        foreach (var permission in new[] { Permissions.Read, Permissions.Write })
        {
            var grant = VaultClient.NewGrant(familyId, gemeenteId, ConsentScopes.Channel(intro.Id), permission, "verantwoording");
            var refused = await Assert.ThrowsAsync<VaultApiException>(() =>
                guardian.SubmitGrantAsync(new SubmitGrantRequest(grant, [guardian.SignGrant(grant)])));
            Assert.Equal((400, ProblemTypes.ScopeNotAllowed), (refused.Status, refused.ProblemType));
        }
        // Nor in the grants of a channel being opened.
        var opening = await Assert.ThrowsAsync<VaultApiException>(() => guardian.CreateChannelAsync(familyId, "met de gemeente",
            [new ChannelMember(gemeenteId, Permissions.Read, "verantwoording")]));
        Assert.Equal((400, ProblemTypes.ScopeNotAllowed), (opening.Status, opening.ProblemType));

        Assert.DoesNotContain(await guardian.ListGrantsAsync(familyId), g => g.Grant.GranteeUserId == gemeenteId);
        Assert.Equal(0L, server.Scalar("SELECT COUNT(*) FROM Grants WHERE GranteeUserId = @id", ("@id", gemeenteId)));
        Assert.Equal([intro.Id], (await guardian.ListChannelsAsync(familyId)).Select(c => c.Channel.Id));
    }

    [Fact]
    public async Task Rotate_WrapSignatureInvalid_InvalidSignatureAndNothingStored()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        var scope = ConsentScopes.Channel(intro.Id);
        var path = $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}/epochs";
        var recipients = await guardian.GetRecipientsAsync(familyId, scope);
        var key = KeyWrap.NewEpochKey();
        using var stranger = DeviceKeys.Generate();
        var device = guardian.Session!.Device;

        var flipped = Wraps(familyId, scope, 2, key, recipients, device);
        var last = flipped[^1];
        var damaged = (byte[])last.Signature.Clone();
        damaged[10] ^= 1;
        flipped[^1] = last with { Signature = damaged };
        foreach (var wraps in new[]
                 {
                     flipped,
                     Wraps(familyId, scope, 2, key, recipients, stranger), // not the uploading device's key
                     Wraps(familyId, scope, 2, key, recipients, device, signedEpoch: 3), // signed for another epoch
                 })
        {
            Assert.Equal((400, ProblemTypes.InvalidSignature), await server.PostAsync(guardian, path, new NewEpochRequest(2, wraps)));
            Assert.Equal(1, (await guardian.GetKeyRingAsync(familyId, scope)).CurrentEpoch);
            Assert.Equal(0L, server.Scalar("SELECT COUNT(*) FROM KeyWraps WHERE Epoch = 2"));
        }
        // The same wraps signed right are taken: the signature was all that was wrong.
        Assert.Equal((200, null), await server.PostAsync(guardian, path, new NewEpochRequest(2, Wraps(familyId, scope, 2, key, recipients, device))));
        Assert.Equal(2, (await guardian.GetKeyRingAsync(familyId, scope)).CurrentEpoch);
    }

    /// <summary>One wrap per reader device and identity key, as the SDK makes them, signed by <paramref name="signer"/>.</summary>
    private static List<KeyWrapUpload> Wraps(Guid familyId, string scope, int epoch, byte[] key, List<RecipientInfo> recipients,
        DeviceKeys signer, int? signedEpoch = null) =>
        recipients.SelectMany(r => r.Devices.Select(d => ((Guid?)d.Id, d.BoxKey)).Append((null, r.IdentityBoxKey))
            .Select(target =>
            {
                var wrapped = KeyWrap.Seal(key, target.Item2);
                var statement = KeyWrap.Statement(familyId, scope, signedEpoch ?? epoch, r.UserId, target.Item1, wrapped);
                return new KeyWrapUpload(r.UserId, target.Item1, wrapped, signer.Sign(statement));
            })).ToList();
}
