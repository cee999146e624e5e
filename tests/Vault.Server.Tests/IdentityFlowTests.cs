using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Crypto;

namespace Vault.Server.Tests;

public sealed class IdentityFlowTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple, fietsbel";
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task FullFlow_InviteRegisterLoginTotpRefreshRecoverRevoke_Works()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        Assert.Equal(Roles.Admin, registered.Role);
        Assert.True(registered.Totp!.Required);
        var firstDevice = admin.Session!.Device;

        // Admin must present TOTP; a login without it is refused with a clear problem type.
        var noCode = await Assert.ThrowsAsync<VaultApiException>(() =>
            admin.LoginAsync("admin", Passphrase, registered.DeviceId, firstDevice));
        Assert.Equal(ProblemTypes.SecondFactorRequired, noCode.ProblemType);

        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, firstDevice, VaultServer.TotpCode(registered.Totp.Secret));
        Assert.True((await admin.GetAccountAsync()).TotpEnabled);
        var fingerprint = admin.Session.Fingerprint;

        var oldAccess = admin.Session.AccessToken;
        await admin.RefreshAsync();
        Assert.NotEqual(oldAccess, admin.Session.AccessToken);

        // A second device recovers the same identity keys from the passphrase alone.
        var phone = server.NewClient();
        var recovered = await phone.RecoverOnNewDeviceAsync("admin", Passphrase, "phone",
            VaultServer.TotpCode(registered.Totp.Secret, stepsAhead: 1));
        Assert.Equal(fingerprint, recovered.Fingerprint);
        Assert.Equal(2, (await admin.ListDevicesAsync()).Count(d => d.RevokedAt is null));

        // The laptop revokes the phone: the phone's token and refresh token stop working at once.
        await admin.RevokeDeviceAsync(recovered.DeviceId);
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => phone.ListDevicesAsync());
        Assert.Equal(401, refused.Status);
        var refreshRefused = await Assert.ThrowsAsync<VaultApiException>(() => phone.RefreshAsync());
        Assert.Equal(ProblemTypes.DeviceRevoked, refreshRefused.ProblemType);
        Assert.Single(await admin.ListDevicesAsync(), d => d.RevokedAt is null);
    }

    [Fact]
    public async Task Register_GuardianInvitation_NeedsNoSecondFactorAndDirectoryVerifies()
    {
        var admin = await SignedInAdmin();
        var invitation = await admin.CreateInvitationAsync(Roles.Guardian);
        var guardian = server.NewClient();
        var registered = await guardian.AcceptInvitationAsync(invitation.Code, "moeder.jansen", Passphrase, "cheap phone");
        Assert.Null(registered.Totp);
        await guardian.LoginAsync("moeder.jansen", Passphrase, registered.DeviceId, guardian.Session!.Device);

        var keys = await admin.GetUserKeysAsync(registered.UserId);
        Assert.Equal(guardian.Session.Fingerprint, VaultClient.FingerprintOf(keys));
        Assert.Equal(60 + 11, SafetyNumber.ForPair(admin.Session!.Fingerprint, guardian.Session.Fingerprint).Length);
    }

    [Fact]
    public async Task Passphrase_NeverCrossesWireOrLandsInDatabase()
    {
        var recorder = new WireRecorder();
        var admin = server.NewClient(recorder);
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device,
            VaultServer.TotpCode(registered.Totp!.Secret));
        var original = await admin.PreLoginAsync("admin"); // the parameters register and login used
        await admin.ChangePassphraseAsync(Passphrase, Passphrase + " 2");
        var changed = await admin.PreLoginAsync("admin");
        Assert.NotEqual(original.Salt, changed.Salt);

        var secrets = new List<byte[]> { Encoding.UTF8.GetBytes(Passphrase), Encoding.UTF8.GetBytes(Passphrase + " 2") };
        // Master key and key-encryption key of both passphrases: the original one's were in use at register and login.
        var originalMaster = PassphraseKeys.DeriveMasterKey(Passphrase, original);
        using var originalKeys = PassphraseKeys.FromMasterKey(originalMaster);
        var master = PassphraseKeys.DeriveMasterKey(Passphrase + " 2", changed);
        using var keys = PassphraseKeys.FromMasterKey(master);
        foreach (var key in new[] { originalMaster, originalKeys.KeyEncryptionKey, master, keys.KeyEncryptionKey,
                     admin.Session.Identity!.SigningSeed, admin.Session.Identity.BoxSecret,
                     admin.Session.Device.SigningSeed, admin.Session.Device.BoxSecret })
        {
            secrets.Add(key);
            secrets.Add(Encoding.UTF8.GetBytes(Convert.ToBase64String(key)));
            secrets.Add(Encoding.UTF8.GetBytes(Convert.ToHexString(key)));
            secrets.Add(Encoding.UTF8.GetBytes(Convert.ToHexStringLower(key)));
        }

        Assert.NotEmpty(recorder.Sent);
        foreach (var sent in recorder.Sent)
        {
            Assert.DoesNotContain(secrets, secret => sent.AsSpan().IndexOf(secret) >= 0);
        }
        foreach (var bytes in server.StoredBytes())
        {
            Assert.DoesNotContain(secrets, secret => bytes.AsSpan().IndexOf(secret) >= 0);
        }
    }

    [Fact]
    public async Task ChangePassphrase_OldFailsNewRecoversSameKeys()
    {
        var admin = await SignedInAdmin();
        var fingerprint = admin.Session!.Fingerprint;
        await admin.ChangePassphraseAsync(Passphrase, "een heel nieuw wachtwoord");

        var stale = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().RecoverOnNewDeviceAsync("admin", Passphrase, "x", VaultServer.TotpCode(adminSecret!, 1)));
        Assert.Equal(ProblemTypes.InvalidCredentials, stale.ProblemType);
        var again = await server.NewClient().RecoverOnNewDeviceAsync("admin", "een heel nieuw wachtwoord", "tablet",
            VaultServer.TotpCode(adminSecret!, 1));
        Assert.Equal(fingerprint, again.Fingerprint);
    }

    private string? adminSecret;

    private async Task<VaultClient> SignedInAdmin()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        adminSecret = registered.Totp!.Secret;
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(adminSecret));
        return admin;
    }
}
