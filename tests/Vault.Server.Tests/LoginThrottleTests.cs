using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;

namespace Vault.Server.Tests;

/// <summary>
/// Limits for whoever has no token: a token bucket per client address on the anonymous endpoints, and failed logins
/// that slow down per name and address instead of locking an account, answered alike for names that exist and names
/// that do not. The clock stands still in these tests, so a wait cannot run out while one is going on.
/// </summary>
public sealed class LoginThrottleTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly VaultServer server;

    public LoginThrottleTests() => server = new VaultServer
    {
        ConfigureTestServices = services => services.AddSingleton<TimeProvider>(clock),
        Settings = { ["Vault:TrustedProxies:0"] = "127.0.0.1" }, // so a test can speak for several client addresses
    };

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task WithToken_BurstExceeded_429EvenForMadeUpTokens()
    {
        using var limited = new VaultServer { Settings = { ["Vault:RateLimits:TokenBurst"] = "2", ["Vault:RateLimits:TokenPermitsPerMinute"] = "1" } };
        using var http = limited.NewHttp();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Probe.SendAsync(http, HttpMethod.Get, "/account", "made.up.token")).StatusCode);
        }
        await Probe.AssertProblemAsync(await Probe.SendAsync(http, HttpMethod.Get, "/account", "made.up.token"),
            HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode); // a bucket of its own
    }

    [Fact]
    public async Task Anonymous_BurstExceeded_429WithRetryAfterWhateverForwardedForSays()
    {
        using var limited = new VaultServer { Settings = { ["Vault:RateLimits:AnonymousBurst"] = "3", ["Vault:RateLimits:AnonymousPermitsPerMinute"] = "1" } };
        using var http = limited.NewHttp();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/auth/prelogin", new PreLoginRequest("iemand"))).StatusCode);
        }
        var refused = await http.PostAsJsonAsync("/auth/prelogin", new PreLoginRequest("iemand"));
        await Probe.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        // No proxy is trusted here: claiming another address changes nothing.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        spoofed.Headers.Add("X-Forwarded-For", "203.0.113.77");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.SendAsync(spoofed)).StatusCode);
    }

    [Fact]
    public async Task Login_UnknownAndKnownNames_AnsweredIdenticallyThroughTheWaits()
    {
        await new Cast(server).AdminAsync();
        using var http = server.NewHttp();
        var known = await AttemptsAsync(http, "admin", "198.51.100.1");
        var unknown = await AttemptsAsync(http, "nobody.here", "198.51.100.1");
        Assert.Equal(known, unknown);
        Assert.Equal(Enumerable.Repeat("400 urn:vault:problem:invalid-credentials -", 6)
            .Append("429 urn:vault:problem:rate-limited 1"), known);
    }

    [Fact]
    public async Task Login_FailuresFromOneAddress_TheUserElsewhereStillLogsIn()
    {
        await new Cast(server).FamilyAsync(); // a guardian, "moeder": no second factor, so no code tied to the clock
        using var http = server.NewHttp();
        var attacker = await AttemptsAsync(http, "moeder", "203.0.113.7");
        Assert.StartsWith("429", attacker[^1], StringComparison.Ordinal);

        var fromHome = await TokenAsync(http, "moeder", "192.0.2.50", await AuthKeyAsync("moeder", Cast.Passphrase), null);
        Assert.Equal(HttpStatusCode.OK, fromHome.StatusCode);
    }

    [Fact]
    public async Task Login_GuessesSpreadOverAddresses_WaitForThemButNotForTheUser()
    {
        await new Cast(server).FamilyAsync();
        using var http = server.NewHttp();
        var guessers = Enumerable.Range(1, 5).Select(i => $"203.0.113.{i}").ToList();
        foreach (var address in guessers.Take(4))
        {
            await AttemptsAsync(http, "moeder", address, count: 5); // 20 in all: the shared waits begin
        }
        await AttemptsAsync(http, "moeder", guessers[4], count: 1);

        // An address that guessed before waits, though it is within its own free tries...
        Assert.Equal(["429 urn:vault:problem:rate-limited 1"], await AttemptsAsync(http, "moeder", guessers[0], count: 1));
        // ...while the user, from an address that never guessed wrong, is not held up by it.
        var fromHome = await TokenAsync(http, "moeder", "192.0.2.50", await AuthKeyAsync("moeder", Cast.Passphrase), null);
        Assert.Equal(HttpStatusCode.OK, fromHome.StatusCode);
    }

    [Fact]
    public async Task Login_NameNoAccountCanHave_AnsweredAsUnknownAndNotRemembered()
    {
        using var http = server.NewHttp();
        var tracked = server.Services.GetRequiredService<LoginThrottle>();
        var answers = await AttemptsAsync(http, new string('x', 100_000), "198.51.100.9", count: 7);
        Assert.All(answers, a => Assert.Equal("400 urn:vault:problem:invalid-credentials -", a));
        Assert.Equal(0, tracked.Tracked);
    }

    [Fact]
    public void Throttle_FloodOfNames_StaysWithinItsBound()
    {
        var throttle = new LoginThrottle(Microsoft.Extensions.Options.Options.Create(new VaultOptions()), clock);
        var address = IPAddress.Parse("198.51.100.10");
        for (var i = 0; i < LoginThrottle.MaxEntries; i++)
        {
            throttle.Failed($"naam{i}", address); // two entries each: the name at this address, and the name
        }
        Assert.InRange(throttle.Tracked, 1, LoginThrottle.MaxEntries);
    }

    /// <summary>Wrong logins in a row (seven unless told), each as "status type retry-after".</summary>
    private static async Task<List<string>> AttemptsAsync(HttpClient http, string username, string address, int count = 7)
    {
        var answers = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await TokenAsync(http, username, address, Convert.ToBase64String(new byte[32]), null);
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            answers.Add($"{(int)response.StatusCode} {problem.GetProperty("type").GetString()} {response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
        }
        return answers;
    }

    private static Task<HttpResponseMessage> TokenAsync(HttpClient http, string username, string address, string authKey, string? totp)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "vault-sdk", ["username"] = username, ["password"] = authKey, ["scope"] = "vault",
        };
        if (totp is not null)
        {
            form["totp_code"] = totp;
        }
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Forwarded-For", address);
        return http.SendAsync(request);
    }

    private async Task<string> AuthKeyAsync(string username, string passphrase)
    {
        var kdf = await server.NewClient().PreLoginAsync(username);
        using var keys = Vault.Crypto.PassphraseKeys.Derive(passphrase, kdf);
        return Convert.ToBase64String(keys.AuthKey);
    }
}
