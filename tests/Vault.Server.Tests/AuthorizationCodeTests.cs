using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// The browser flow: JSON login with the client-derived authentication key (cookie) → authorize with a PKCE S256
/// challenge → code → token with the verifier → API. A browser here is an HttpClient with cookies and no redirects.
/// </summary>
public sealed class AuthorizationCodeTests : IDisposable
{
    private const string Callback = "http://127.0.0.1:9/callback";
    private const string Username = "moeder.web";
    private readonly VaultServer server = new() { Settings = { ["Vault:WebClient:RedirectUris:0"] = Callback } };

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task AuthorizationCode_LoginAuthorizeTokenWithVerifier_CallsApi()
    {
        await new Cast(server).AccountAsync(Roles.Guardian, Username);
        using var browser = Browser();
        var (verifier, challenge) = Pkce();

        Assert.Equal(HttpStatusCode.NoContent, (await LoginAsync(browser)).StatusCode);
        var code = await AuthorizeAsync(browser, challenge, "S256");
        var tokens = await RedeemAsync(browser, code, verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        var body = await tokens.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.TryGetProperty("refresh_token", out _));

        using var api = new HttpRequestMessage(HttpMethod.Get, "/account");
        api.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("access_token").GetString());
        var account = await (await browser.SendAsync(api)).Content.ReadFromJsonAsync<AccountResponse>();
        Assert.Equal(Username, account!.Username);
        Assert.Null(account.DeviceId); // device-less until the browser registers its device keys

        // The code is single use.
        var again = await RedeemAsync(browser, code, verifier);
        await Probe.AssertProblemAsync(again, HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials);
    }

    [Fact]
    public async Task AuthorizationCode_WrongVerifier_RefusedAsProblem()
    {
        await new Cast(server).AccountAsync(Roles.Guardian, Username);
        using var browser = Browser();
        var (_, challenge) = Pkce();
        await LoginAsync(browser);
        var code = await AuthorizeAsync(browser, challenge, "S256");

        var refused = await RedeemAsync(browser, code, Pkce().Verifier);

        var problem = await Probe.AssertProblemAsync(refused, HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials);
        Assert.Equal("invalid_grant", problem.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorize_NotLoggedIn_RedirectsWithLoginRequired()
    {
        await new Cast(server).AccountAsync(Roles.Guardian, Username);
        using var browser = Browser();
        var response = await browser.GetAsync(AuthorizeUri(Pkce().Challenge, "S256"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(Callback + "?", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(response.Headers.Location.Query);
        Assert.Equal("login_required", query["error"].ToString());
        Assert.False(query.ContainsKey("code"));
    }

    [Theory]
    [InlineData(null)] // no PKCE challenge at all
    [InlineData("plain")] // PKCE, but not S256
    public async Task Authorize_WithoutS256Challenge_Returns400ProblemAndNoCode(string? method)
    {
        await new Cast(server).AccountAsync(Roles.Guardian, Username);
        using var browser = Browser();
        await LoginAsync(browser);
        var (verifier, _) = Pkce();
        var response = await browser.GetAsync(AuthorizeUri(method is null ? null : verifier, method));
        var problem = await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        Assert.Equal("invalid_request", problem.GetProperty("error").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Login_WrongAuthKey_Returns400ProblemAndSetsNoCookie()
    {
        await new Cast(server).AccountAsync(Roles.Guardian, Username);
        using var browser = Browser();
        var response = await browser.PostAsJsonAsync("/connect/login",
            new { username = Username, authKey = Convert.ToBase64String(new byte[32]), totpCode = (string?)null });
        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    private HttpClient Browser()
    {
        server.NewHttp().Dispose(); // starts the server
        return new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = server.ClientOptions.BaseAddress,
        };
    }

    private async Task<HttpResponseMessage> LoginAsync(HttpClient browser)
    {
        // What a browser does with libsodium: pre-login, Argon2id, crypto_kdf; only the authentication key is sent.
        var kdf = await server.NewClient().PreLoginAsync(Username);
        using var keys = PassphraseKeys.Derive(Cast.Passphrase, kdf);
        return await browser.PostAsJsonAsync("/connect/login",
            new { username = Username, authKey = Convert.ToBase64String(keys.AuthKey), totpCode = (string?)null });
    }

    private static async Task<string> AuthorizeAsync(HttpClient browser, string challenge, string method)
    {
        var response = await browser.GetAsync(AuthorizeUri(challenge, method));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(Callback + "?", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(response.Headers.Location.Query);
        Assert.Equal("xyz", query["state"].ToString());
        return query["code"].ToString();
    }

    private static string AuthorizeUri(string? challenge, string? method)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = "vault-web", ["response_type"] = "code", ["redirect_uri"] = Callback,
            ["scope"] = "openid offline_access vault", ["state"] = "xyz",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = method;
        }
        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    private static Task<HttpResponseMessage> RedeemAsync(HttpClient browser, string code, string verifier) =>
        Probe.TokenAsync(browser, ("grant_type", "authorization_code"), ("client_id", "vault-web"), ("code", code),
            ("redirect_uri", Callback), ("code_verifier", verifier));

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (verifier, System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
