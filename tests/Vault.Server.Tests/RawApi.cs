using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Vault.Client;

namespace Vault.Server.Tests;

/// <summary>
/// A request exactly as built, with a user's token, past the SDK's own handling (e.g. its retry after a stale epoch):
/// for tests that must see the server's first answer.
/// </summary>
internal static class RawApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The status and, for a refusal, the ProblemDetails type.</summary>
    public static async Task<(int Status, string? Type)> PostAsync(this VaultServer server, VaultClient caller, string path, object body)
    {
        using var http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await caller.AccessTokenAsync());
        using var content = JsonContent.Create(body, body.GetType(), options: Json);
        using var response = await http.PostAsync(path, content);
        if (response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, null);
        }
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return ((int)response.StatusCode, problem.GetProperty("type").GetString());
    }
}
