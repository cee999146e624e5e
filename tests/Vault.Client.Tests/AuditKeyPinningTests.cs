using System.Net.Http.Json;
using System.Security.Cryptography;
using Sodium;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Consent;
using Vault.Server.Tests;

namespace Vault.Client.Tests;

/// <summary>
/// The SDK pins the server's audit signing key on first use: a server (or someone in between) that later presents
/// another key cannot get its own tree heads or receipts accepted, and cannot move the pin.
/// </summary>
public sealed class AuditKeyPinningTests : IDisposable
{
    private const string Passphrase = "de regie ligt bij het gezin";
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task VerifyAudit_AnotherKeyAfterPinning_RefusedAndPinKept()
    {
        var impostor = new AuditKeySwap { InnerHandler = new SocketsHttpHandler() };
        var officer = await PrivacyOfficerAsync(impostor);
        var first = await officer.VerifyAuditAsync(null, null);
        Assert.True(first.Ok, first.Failure?.ToString());
        var pinned = officer.Session!.AuditKey!;

        var attacker = PublicKeyAuth.GenerateKeyPair();
        impostor.Key = attacker.PublicKey;
        await Assert.ThrowsAsync<CryptographicException>(() => officer.VerifyAuditAsync(null, first.Head));
        byte[] receipt = """{"kind":"withdrawal"}"""u8.ToArray();
        var forged = new SignedReceipt(receipt, PublicKeyAuth.SignDetached([.. "vault.receipt.v1"u8, .. receipt], attacker.PrivateKey));
        await Assert.ThrowsAsync<CryptographicException>(() => officer.VerifyReceiptAsync(forged));
        Assert.Equal(pinned, officer.Session.AuditKey);

        // Once the genuine key is served again, all is well: the pin held.
        impostor.Key = null;
        var later = await officer.VerifyAuditAsync(null, first.Head);
        Assert.True(later.Ok, later.Failure?.ToString());
    }

    private async Task<VaultClient> PrivacyOfficerAsync(HttpMessageHandler handler)
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(registered.Totp!.Secret));
        var invitation = await admin.CreateInvitationAsync(Roles.PrivacyOfficer);

        using var started = server.NewHttp(); // the server's address, once it runs
        var officer = new VaultClient(new HttpClient(handler) { BaseAddress = started.BaseAddress });
        var account = await officer.AcceptInvitationAsync(invitation.Code, "privacy.officer", Passphrase, "laptop");
        await officer.LoginAsync("privacy.officer", Passphrase, account.DeviceId, officer.Session!.Device,
            account.Totp is { } totp ? VaultServer.TotpCode(totp.Secret) : null);
        return officer;
    }

    /// <summary>Answers GET /audit/key with <see cref="Key"/> when set, as an impostor server would; passes all else on.</summary>
    private sealed class AuditKeySwap : DelegatingHandler
    {
        public byte[]? Key { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Key is { } key && request.Method == HttpMethod.Get && request.RequestUri?.AbsolutePath == "/audit/key"
                ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
                {
                    Content = JsonContent.Create(new AuditKeyResponse("ed25519", key)),
                })
                : base.SendAsync(request, cancellationToken);
    }
}
