using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vault.Contracts.Identity;

namespace Vault.Client;

public sealed partial class VaultClient
{
    public sealed record Tokens(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    private Task<Tokens> PasswordGrantAsync(string username, byte[] authKey, string? totp, Guid? deviceId, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = VaultOAuth.FirstPartyClientId,
            ["username"] = username,
            ["password"] = Convert.ToBase64String(authKey),
            ["scope"] = $"openid offline_access {VaultOAuth.ApiScope}",
        };
        if (!string.IsNullOrEmpty(totp))
        {
            form[VaultOAuth.TotpParameter] = totp;
        }
        if (deviceId is not null)
        {
            form[VaultOAuth.DeviceParameter] = deviceId.Value.ToString();
        }
        return TokenRequestAsync(form, ct);
    }

    private Task<Tokens> RefreshGrantAsync(string refreshToken, Guid? bindDevice, CancellationToken ct)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = VaultOAuth.FirstPartyClientId,
            ["refresh_token"] = refreshToken,
        };
        if (bindDevice is not null)
        {
            form[VaultOAuth.DeviceParameter] = bindDevice.Value.ToString();
        }
        return TokenRequestAsync(form, ct);
    }

    private async Task<Tokens> TokenRequestAsync(Dictionary<string, string> form, CancellationToken ct)
    {
        using var response = await http.PostAsync(VaultOAuth.TokenPath, new FormUrlEncodedContent(form), ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<Tokens>(Json, ct))!;
    }

    private async Task<T> GetAsync<T>(string path, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        Authorize(request, token);
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken ct, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        Authorize(request, token);
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }
        Authorize(request, RequireSession().AccessToken);
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
    }

    private static void Authorize(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        string? type = null, title = null, detail = null;
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            type = problem.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            title = problem.RootElement.TryGetProperty("title", out var ti) ? ti.GetString() : null;
            detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        }
        catch (JsonException)
        {
            // not a problem document (e.g. a proxy's HTML page): status alone
        }
        throw new VaultApiException((int)response.StatusCode, type, title, detail);
    }
}
