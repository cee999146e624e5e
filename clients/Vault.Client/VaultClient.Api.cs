using System.Net.Http.Json;

namespace Vault.Client;

public sealed partial class VaultClient
{
    private static DateTimeOffset ExpiryOf(Tokens tokens) =>
        tokens.ExpiresIn > 0 ? DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn) : DateTimeOffset.MaxValue;

    /// <summary>A current access token: refreshed a minute before it runs out, so long-lived clients keep working.</summary>
    public async Task<string> AccessTokenAsync(CancellationToken ct = default)
    {
        var session = RequireSession();
        if (session.RefreshToken is not null && session.AccessTokenExpiresAt - DateTimeOffset.UtcNow < TimeSpan.FromMinutes(1))
        {
            await RefreshAsync(ct);
        }
        return session.AccessToken ?? throw new InvalidOperationException("Sign in first.");
    }

    internal async Task<T> ApiAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await ApiResponseAsync(method, path, body, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    internal async Task ApiAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await ApiResponseAsync(method, path, body, ct);
    }

    private async Task<HttpResponseMessage> ApiResponseAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }
        return await ApiResponseAsync(request, HttpCompletionOption.ResponseContentRead, ct);
    }

    /// <summary>Any request (a raw body, a streamed answer) with a current token; a refusal throws VaultApiException.</summary>
    internal async Task<HttpResponseMessage> ApiResponseAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        Authorize(request, await AccessTokenAsync(ct));
        var response = await http.SendAsync(request, completion, ct);
        try
        {
            await EnsureSuccessAsync(response, ct);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        return response;
    }

    internal Uri BaseAddress => http.BaseAddress ?? throw new InvalidOperationException("The HttpClient needs a BaseAddress.");
}
