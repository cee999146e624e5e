using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>Every bad input gets a clear 4xx with a stable problem type and changes nothing.</summary>
public sealed class BadInputTests : IDisposable
{
    private const string Passphrase = "zomer aan zee 2026";
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task Login_WrongPassphrase_Returns400InvalidCredentials()
    {
        var (admin, registered, secret) = await RegisterAdmin();
        var before = Snapshot();
        var error = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("admin", "wrong passphrase", registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(secret)));
        Assert.Equal(400, error.Status);
        Assert.Equal(ProblemTypes.InvalidCredentials, error.ProblemType);
        Assert.Equal(before.Users, Snapshot().Users);
    }

    [Fact]
    public async Task Login_ReplayedTotp_Returns400InvalidSecondFactor()
    {
        var (admin, registered, secret) = await RegisterAdmin();
        var code = VaultServer.TotpCode(secret);
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, code);
        var replay = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session.Device, code));
        Assert.Equal(400, replay.Status);
        Assert.Equal(ProblemTypes.InvalidSecondFactor, replay.ProblemType);
    }

    [Fact]
    public async Task Login_FiveFailures_LocksAccount()
    {
        var (admin, registered, secret) = await RegisterAdmin();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<VaultApiException>(() =>
                server.NewClient().LoginAsync("admin", "guess " + i, registered.DeviceId, admin.Session!.Device));
        }
        var locked = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(secret)));
        Assert.Equal(ProblemTypes.AccountLocked, locked.ProblemType);
    }

    [Fact]
    public async Task Register_ReusedInvitation_Returns400AndCreatesNothing()
    {
        await RegisterAdmin();
        var before = Snapshot();
        var error = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().AcceptInvitationAsync(server.AdminInvitation, "second", Passphrase, "laptop"));
        Assert.Equal(ProblemTypes.InvalidInvitation, error.ProblemType);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Register_ExpiredInvitation_Returns400AndCreatesNothing()
    {
        using (var connection = new SqliteConnection($"Data Source={server.DatabaseFile}"))
        {
            connection.Open();
            using var expire = connection.CreateCommand();
            expire.CommandText = "UPDATE Invitations SET ExpiresAt = @past";
            expire.Parameters.AddWithValue("@past", new Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter()
                .ConvertToProvider(DateTimeOffset.UtcNow.AddMinutes(-1)));
            expire.ExecuteNonQuery();
        }
        var before = Snapshot();
        var error = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop"));
        Assert.Equal(ProblemTypes.InvalidInvitation, error.ProblemType);
        Assert.Equal(before, Snapshot());
    }

    public static TheoryData<string, string> MalformedRegistrations => new()
    {
        { "keyBundle", ProblemTypes.MalformedKey },
        { "identitySigningKey", ProblemTypes.MalformedKey },
        { "device.boxKey", ProblemTypes.MalformedKey },
        { "device.boxKeySignature", ProblemTypes.InvalidSignature },
        { "device.identitySignature", ProblemTypes.InvalidSignature },
        { "authKey", ProblemTypes.MalformedKey },
    };

    [Theory]
    [MemberData(nameof(MalformedRegistrations))]
    public async Task Register_MalformedKeyOrSignature_Returns400AndInvitationStaysUsable(string field, string problemType)
    {
        var body = ValidRegistration(server.AdminInvitation);
        Corrupt(body, field);
        var before = Snapshot();
        using var http = server.NewHttp();
        var response = await http.PostAsJsonAsync("/auth/register", body);
        await AssertProblem(response, HttpStatusCode.BadRequest, problemType);
        Assert.Equal(before, Snapshot());

        // Nothing was consumed: the same invitation still registers.
        var ok = await http.PostAsJsonAsync("/auth/register", ValidRegistration(server.AdminInvitation));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("/auth/prelogin", "{not json")]
    [InlineData("/auth/register", "{\"username\": 5}")]
    [InlineData("/auth/register", "[]")]
    public async Task Post_UnreadableJson_Returns400Problem(string path, string json)
    {
        using var http = server.NewHttp();
        var response = await http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        await AssertProblem(response, HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task Post_OversizedBody_Returns413Problem()
    {
        using var http = server.NewHttp();
        var response = await http.PostAsync("/auth/prelogin",
            new StringContent("{\"username\":\"" + new string('a', 2 * 1024 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json"));
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    [Fact]
    public async Task Account_NoToken_Returns401Problem()
    {
        using var http = server.NewHttp();
        await AssertProblem(await http.GetAsync("/account/devices"), HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await AssertProblem(await http.GetAsync("/no/such/route"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task PreLogin_UnknownUser_IndistinguishableAndStable()
    {
        await RegisterAdmin();
        using var http = server.NewHttp();
        async Task<JsonElement> Ask(string name) =>
            await (await http.PostAsJsonAsync("/auth/prelogin", new PreLoginRequest(name))).Content.ReadFromJsonAsync<JsonElement>();

        var real = await Ask("admin");
        var ghost = await Ask("nobody.here");
        Assert.Equal(Names(real), Names(ghost));
        Assert.Equal(real.GetProperty("opsLimit").GetInt64(), ghost.GetProperty("opsLimit").GetInt64());
        Assert.Equal(real.GetProperty("memLimitBytes").GetInt32(), ghost.GetProperty("memLimitBytes").GetInt32());
        Assert.Equal(16, ghost.GetProperty("salt").GetBytesFromBase64().Length);
        Assert.Equal(ghost.GetProperty("salt").GetString(), (await Ask("nobody.here")).GetProperty("salt").GetString());
        Assert.Equal(ghost.GetProperty("salt").GetString(), (await Ask("  Nobody.Here ")).GetProperty("salt").GetString());
        Assert.NotEqual(ghost.GetProperty("salt").GetString(), (await Ask("somebody.else")).GetProperty("salt").GetString());

        static string Names(JsonElement e) => string.Join(",", e.EnumerateObject().Select(p => p.Name + ":" + p.Value.ValueKind));
    }

    [Fact]
    public async Task Logs_AfterFullFlow_ContainNoSecretsOrTokens()
    {
        var (admin, registered, secret) = await RegisterAdmin();
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(secret));
        var logs = string.Join("\n", server.Logs);
        Assert.NotEmpty(server.Logs);
        Assert.DoesNotContain(Passphrase, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(admin.Session.AccessToken!, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(admin.Session.RefreshToken!, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(server.AdminInvitation, logs, StringComparison.Ordinal);
    }

    private async Task<(VaultClient Admin, RegisterResponse Registered, string Secret)> RegisterAdmin()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        return (admin, registered, registered.Totp!.Secret);
    }

    private (long Users, long Devices, long UsedInvitations) Snapshot()
    {
        using var connection = new SqliteConnection($"Data Source={server.DatabaseFile}");
        connection.Open();
        long Count(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)command.ExecuteScalar()!;
        }
        return (Count("SELECT COUNT(*) FROM AspNetUsers"), Count("SELECT COUNT(*) FROM Devices"),
            Count("SELECT COUNT(*) FROM Invitations WHERE UsedAt IS NOT NULL"));
    }

    private static Dictionary<string, object> ValidRegistration(string code)
    {
        var kdf = new KdfParameters(3, 8 * 1024 * 1024, Sodium.SodiumCore.GetRandomBytes(16));
        using var keys = PassphraseKeys.Derive(Passphrase, kdf);
        var identity = IdentityKeys.Generate();
        var device = DeviceKeys.Generate();
        return new Dictionary<string, object>
        {
            ["invitationCode"] = code, ["username"] = "admin", ["kdfSalt"] = kdf.Salt, ["authKey"] = keys.AuthKey,
            ["keyBundle"] = KeyBundle.Seal(identity, keys.KeyEncryptionKey, kdf.Salt),
            ["identitySigningKey"] = identity.SigningPublicKey, ["identityBoxKey"] = identity.BoxPublicKey,
            ["device"] = new Dictionary<string, object>
            {
                ["name"] = "laptop", ["signingKey"] = device.SigningPublicKey, ["boxKey"] = device.BoxPublicKey,
                ["boxKeySignature"] = device.SignBoxKey(), ["identitySignature"] = device.CertifyWith(identity),
            },
        };
    }

    private static void Corrupt(Dictionary<string, object> body, string field)
    {
        var target = field.StartsWith("device.", StringComparison.Ordinal) ? (Dictionary<string, object>)body["device"] : body;
        var name = field.Split('.').Last();
        var bytes = (byte[])((byte[])target[name]).Clone();
        if (name.EndsWith("Signature", StringComparison.Ordinal))
        {
            bytes[5] ^= 0x40; // right length, wrong signature
        }
        else
        {
            bytes = bytes[..^1]; // wrong length
        }
        target[name] = bytes;
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var actualType = problem.GetProperty("type").GetString()!;
        Assert.StartsWith("urn:vault:problem:", actualType, StringComparison.Ordinal);
        if (type is not null)
        {
            Assert.Equal(type, actualType);
        }
        var text = problem.ToString();
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
