using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Vault.Contracts;
using Vault.Crypto;
using Vault.Server.Tests;

namespace Vault.Client.Tests;

/// <summary>The SDK does not trust the server: it checks what it is handed before using it.</summary>
public sealed class SdkVerificationTests : IDisposable
{
    private const string Passphrase = "de regie ligt bij het gezin";
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task GetUserKeys_DeviceNotCertifiedByIdentity_Throws()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(registered.Totp!.Secret));
        Assert.Single((await admin.GetUserKeysAsync(registered.UserId)).Devices);

        // A malicious or compromised server slips in a device of its own making.
        using var rogue = DeviceKeys.Generate();
        using var notTheUser = IdentityKeys.Generate();
        using (var connection = new SqliteConnection($"Data Source={server.DatabaseFile}"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO Devices (Id, UserId, Name, SigningKey, BoxKey, BoxKeySignature, IdentitySignature, CreatedAt)
                VALUES (@id, @user, 'rogue', @sk, @bk, @bks, @ids, 0)
                """;
            insert.Parameters.AddWithValue("@id", Guid.NewGuid().ToString().ToUpperInvariant());
            insert.Parameters.AddWithValue("@user", registered.UserId.ToString().ToUpperInvariant());
            insert.Parameters.AddWithValue("@sk", rogue.SigningPublicKey);
            insert.Parameters.AddWithValue("@bk", rogue.BoxPublicKey);
            insert.Parameters.AddWithValue("@bks", rogue.SignBoxKey());
            insert.Parameters.AddWithValue("@ids", rogue.CertifyWith(notTheUser));
            insert.ExecuteNonQuery();
        }
        await Assert.ThrowsAsync<CryptographicException>(() => admin.GetUserKeysAsync(registered.UserId));
    }

    [Fact]
    public async Task PreLogin_ServerDemandsAbsurdKdfCost_Refused()
    {
        using var greedy = new GreedyServer();
        await Assert.ThrowsAsync<CryptographicException>(() => greedy.NewClient().PreLoginAsync("anyone"));
    }

    [Fact]
    public async Task Login_WrongPassphrase_ThrowsProblemTypeNotGenericError()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        var error = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("admin", "niet het wachtwoord", registered.DeviceId, admin.Session!.Device));
        Assert.Equal(ProblemTypes.InvalidCredentials, error.ProblemType);
    }

    private sealed class GreedyServer : IDisposable
    {
        private readonly VaultServerWithKdf inner = new();
        public VaultClient NewClient() => inner.NewClient();
        public void Dispose() => inner.Dispose();

        private sealed class VaultServerWithKdf : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
        {
            private readonly string data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));

            public VaultServerWithKdf()
            {
                UseKestrel(0);
                StartServer();
            }

            public VaultClient NewClient() => new(new HttpClient { BaseAddress = ClientOptions.BaseAddress });

            protected override void ConfigureWebHost(IWebHostBuilder builder)
            {
                builder.UseSetting("Vault:DataDirectory", data);
                builder.UseSetting("Vault:Kdf:MemLimitBytes", "2000000000"); // 2 GB: no phone should accept this
            }
        }
    }
}
