using System.Net;
using System.Text.Json;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>
/// Every /connect/token error is an RFC 9457 problem with a urn:vault:problem: type, OpenIddict's own rejections
/// included, and keeps OAuth's "error" member for OAuth clients.
/// </summary>
public sealed class TokenEndpointTests : IDisposable
{
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    public static TheoryData<string, string, HttpStatusCode, string, string> Rejections => new()
    {
        // form (name=value&...), expected OAuth error, status, problem type, a word of the title
        { "grant_type=password&username=a&password=b", "invalid_client", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, "client_id" },
        { "grant_type=password&client_id=nobody&username=a&password=b", "invalid_client", HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, "client" },
        { "client_id=vault-sdk", "invalid_request", HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest, "grant_type" },
        { "grant_type=client_credentials&client_id=vault-sdk", "unsupported_grant_type", HttpStatusCode.BadRequest, ProblemTypes.UnsupportedGrant, "grant" },
        { "grant_type=refresh_token&client_id=vault-sdk&refresh_token=made-up", "invalid_grant", HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials, "token" },
        { "grant_type=password&client_id=vault-sdk&username=nobody.here&password=AAAA", "invalid_grant", HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials, "passphrase" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Token_Rejected_ReturnsProblemJsonWithOAuthError(string form, string error, HttpStatusCode status, string type,
        string titleWord)
    {
        using var http = server.NewHttp();
        var response = await http.PostAsync("/connect/token",
            new StringContent(form, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));

        var problem = await Probe.AssertProblemAsync(response, status, type);
        AssertOAuthError(problem, error, (int)status);
        Assert.Contains(titleWord, problem.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Token_RevokedRefreshToken_ReturnsProblemJson()
    {
        // (A just-redeemed refresh token is not the test: OpenIddict forgives reuse for a short leeway, for retries.)
        var guardian = await new Cast(server).AccountAsync(Roles.Guardian, "moeder.smit");
        var phone = server.NewClient();
        await phone.RecoverOnNewDeviceAsync("moeder.smit", Cast.Passphrase, "phone");
        await guardian.ChangePassphraseAsync(Cast.Passphrase, "nieuw en lang genoeg"); // ends the phone's session
        using var http = server.NewHttp();

        var revoked = await Probe.TokenAsync(http, ("grant_type", "refresh_token"), ("client_id", "vault-sdk"),
            ("refresh_token", phone.Session!.RefreshToken!));

        var problem = await Probe.AssertProblemAsync(revoked, HttpStatusCode.BadRequest, ProblemTypes.InvalidCredentials);
        AssertOAuthError(problem, "invalid_grant", 400);
    }

    [Fact]
    public async Task Token_GetInsteadOfPost_ReturnsProblemJson()
    {
        using var http = server.NewHttp();
        var response = await http.GetAsync("/connect/token?grant_type=password&client_id=vault-sdk");
        var problem = await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        AssertOAuthError(problem, "invalid_request", 400);
    }

    private static void AssertOAuthError(JsonElement problem, string error, int status)
    {
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("error_description").GetString()));
        // OpenIddict's documentation link may stay in error_uri; it never becomes the type, and ours never sits there.
        if (problem.TryGetProperty("error_uri", out var uri))
        {
            Assert.DoesNotContain("urn:vault", uri.GetString(), StringComparison.Ordinal);
        }
    }
}
