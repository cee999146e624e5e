using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
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
    public async Task Login_WrongPassphrase_Returns400InvalidCredentialsAndChangesNothing()
    {
        var (_, _, secret) = await RegisterAdmin();
        using var http = server.NewHttp();
        var wrong = await AuthKeyAsync("admin", "wrong passphrase");
        var before = Probe.State(server);
        var response = await Probe.TokenAsync(http, ("grant_type", "password"), ("client_id", "vault-sdk"), ("username", "admin"),
            ("password", wrong), ("totp_code", VaultServer.TotpCode(secret)), ("scope", "openid offline_access vault"));
        var problem = await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials);
        Assert.Equal("invalid_grant", problem.GetProperty("error").GetString());
        Assert.Equal(before, Probe.State(server));
    }

    [Fact]
    public async Task Login_ReplayedTotp_Returns400InvalidSecondFactorAndChangesNothing()
    {
        var (admin, registered, secret) = await RegisterAdmin();
        var code = VaultServer.TotpCode(secret);
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, code);
        using var http = server.NewHttp();
        var authKey = await AuthKeyAsync("admin", Passphrase);
        var before = Probe.State(server);
        var replay = await Probe.TokenAsync(http, ("grant_type", "password"), ("client_id", "vault-sdk"), ("username", "admin"),
            ("password", authKey), ("totp_code", code), ("device_id", registered.DeviceId.ToString()), ("scope", "vault"));
        await Probe.AssertProblemAsync(replay, HttpStatusCode.BadRequest, ProblemTypes.InvalidSecondFactor);
        Assert.Equal(before, Probe.State(server));
    }

    [Fact]
    public async Task Login_RepeatedFailures_SlowDownWithRetryAfterInsteadOfLocking()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var slow = new VaultServer { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(clock) };
        var admin = slow.NewClient();
        var registered = await admin.AcceptInvitationAsync(slow.AdminInvitation, "admin", Passphrase, "laptop");
        var secret = registered.Totp!.Secret;
        for (var i = 0; i < 6; i++) // five free failures, then each one waits twice as long as the one before
        {
            var wrong = await Assert.ThrowsAsync<VaultApiException>(() =>
                slow.NewClient().LoginAsync("admin", "guess " + i, registered.DeviceId, admin.Session!.Device));
            Assert.Equal(ProblemTypes.InvalidCredentials, wrong.ProblemType);
        }
        using var http = slow.NewHttp();
        var waiting = await Probe.TokenAsync(http, ("grant_type", "password"), ("client_id", "vault-sdk"), ("username", "admin"),
            ("password", await AuthKeyAsync(slow, "admin", Passphrase)), ("totp_code", VaultServer.TotpCode(secret)), ("scope", "vault"));
        await Probe.AssertProblemAsync(waiting, HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        Assert.Equal("1", waiting.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        clock.Advance(TimeSpan.FromSeconds(1)); // no lock: once the wait is over, the right passphrase works
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(secret));
        Assert.NotNull(admin.Session.AccessToken);
    }

    [Fact]
    public async Task Register_ReusedInvitation_Returns400AndChangesNothing()
    {
        await RegisterAdmin();
        var before = Probe.State(server);
        using var http = server.NewHttp();
        var response = await http.PostAsJsonAsync("/auth/register", Probe.Registration(server.AdminInvitation, "second", Passphrase));
        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.InvalidInvitation);
        Assert.Equal(before, Probe.State(server));
    }

    [Fact]
    public async Task Register_ExpiredInvitation_Returns400AndChangesNothing()
    {
        server.Sql("UPDATE Invitations SET ExpiresAt = @past", ("@past", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var before = Probe.State(server);
        using var http = server.NewHttp();
        var response = await http.PostAsJsonAsync("/auth/register", Probe.Registration(server.AdminInvitation, "admin", Passphrase));
        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.InvalidInvitation);
        Assert.Equal(before, Probe.State(server));
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
        var body = Probe.Registration(server.AdminInvitation, "admin", Passphrase);
        Probe.Corrupt(body, field);
        var before = Probe.State(server);
        using var http = server.NewHttp();
        var response = await http.PostAsJsonAsync("/auth/register", body);
        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, problemType);
        Assert.Equal(before, Probe.State(server));

        // Nothing was consumed: the same invitation still registers.
        var ok = await http.PostAsJsonAsync("/auth/register", Probe.Registration(server.AdminInvitation, "admin", Passphrase));
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
        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task Post_OversizedBody_Returns413Problem()
    {
        using var http = server.NewHttp();
        var response = await http.PostAsync("/auth/prelogin",
            new StringContent("{\"username\":\"" + new string('a', 2 * 1024 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json"));
        await Probe.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    [Fact]
    public async Task Account_NoToken_Returns401Problem()
    {
        using var http = server.NewHttp();
        await Probe.AssertProblemAsync(await http.GetAsync("/account/devices"), HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await Probe.AssertProblemAsync(await http.GetAsync("/no/such/route"), HttpStatusCode.NotFound, ProblemTypes.NotFound);
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
        var secrets = new List<string> { Passphrase, Passphrase + " 2", secret, server.AdminInvitation,
            admin.Session.AccessToken!, admin.Session.RefreshToken! };
        var keyMaterial = new List<byte[]>(); // what login and recovery carry: the authentication key and the key bundle
        using var http = server.NewHttp();
        foreach (var passphrase in new[] { Passphrase, Passphrase + " 2" })
        {
            if (passphrase != Passphrase)
            {
                await admin.ChangePassphraseAsync(Passphrase, passphrase);
                secrets.AddRange([admin.Session.AccessToken!, admin.Session.RefreshToken!]);
            }
            keyMaterial.Add(Convert.FromBase64String(await AuthKeyAsync("admin", passphrase)));
            var keys = await (await Probe.SendAsync(http, HttpMethod.Get, "/account/keys", admin.Session.AccessToken))
                .Content.ReadFromJsonAsync<KeyBundleResponse>();
            keyMaterial.Add(keys!.KeyBundle);
        }
        secrets.AddRange(keyMaterial.SelectMany(k => new[] { Convert.ToBase64String(k), Convert.ToHexString(k), Convert.ToHexStringLower(k) }));

        Assert.NotEmpty(server.Logs);
        var logs = string.Join("\n", server.Logs);
        foreach (var value in secrets)
        {
            Assert.DoesNotContain(value, logs, StringComparison.Ordinal);
        }
    }

    private async Task<(VaultClient Admin, RegisterResponse Registered, string Secret)> RegisterAdmin()
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        return (admin, registered, registered.Totp!.Secret);
    }

    private Task<string> AuthKeyAsync(string username, string passphrase) => AuthKeyAsync(server, username, passphrase);

    private static async Task<string> AuthKeyAsync(VaultServer server, string username, string passphrase)
    {
        var kdf = await server.NewClient().PreLoginAsync(username);
        using var keys = PassphraseKeys.Derive(passphrase, kdf);
        return Convert.ToBase64String(keys.AuthKey);
    }
}
