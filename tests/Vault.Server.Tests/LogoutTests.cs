using System.Net;
using System.Net.Http.Headers;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Identity;

namespace Vault.Server.Tests;

/// <summary>
/// Signing out (RFC 7009 revocation at /connect/revoke) ends the session on the server: a copy of either token stops
/// working at once, while the device and its keys stay and sign in again.
/// </summary>
public sealed class LogoutTests : IDisposable
{
    private readonly VaultServer server = new();

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task Logout_TokensCopiedBefore_RefusedAfterwardsAndTheDeviceSignsInAgain()
    {
        var cast = new Cast(server);
        var (_, _, guardian) = await cast.FamilyAsync();
        var (access, refresh) = (guardian.Session!.AccessToken!, guardian.Session.RefreshToken!);
        using var http = server.NewHttp();
        Assert.Equal(HttpStatusCode.OK, (await GetAccountAsync(http, access)).StatusCode); // the copy works before

        await guardian.LogoutAsync();

        Assert.Null(guardian.Session.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAccountAsync(http, access)).StatusCode);
        using var refreshed = await http.PostAsync(VaultOAuth.TokenPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = VaultOAuth.FirstPartyClientId, ["refresh_token"] = refresh,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal("application/problem+json", refreshed.Content.Headers.ContentType?.MediaType);

        await guardian.LoginAsync("moeder", Cast.Passphrase, guardian.Session.DeviceId, guardian.Session.Device);
        Assert.NotNull(await guardian.GetAccountAsync());
    }

    [Fact]
    public async Task Revoke_UnknownClientOrNoToken_ProblemAndNothingRevoked()
    {
        var cast = new Cast(server);
        var (_, _, guardian) = await cast.FamilyAsync();
        using var http = server.NewHttp();

        using var foreign = await http.PostAsync(VaultOAuth.RevocationPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = guardian.Session!.RefreshToken!, ["client_id"] = "someone-else",
        }));
        using var empty = await http.PostAsync(VaultOAuth.RevocationPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = VaultOAuth.FirstPartyClientId,
        }));

        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode); // invalid_client (RFC 6749)
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("application/problem+json", empty.Content.Headers.ContentType?.MediaType);
        await guardian.RefreshAsync(); // the refresh token still works
        Assert.NotNull(await guardian.GetAccountAsync());
    }

    private static Task<HttpResponseMessage> GetAccountAsync(HttpClient http, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/account");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
