using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// What "bad input changes nothing" is checked with: the server's database read directly (TestDatabase: a second
/// connection sees every committed row), RFC 9457 assertions, and requests built by hand instead of by the SDK.
/// </summary>
internal static class Probe
{
    /// <summary>
    /// Every identity row a request could touch: accounts (credentials, bundle, second factor; not the failed-login
    /// counter, which a wrong guess is meant to move), devices, invitations and issued tokens.
    /// </summary>
    public static string State(VaultServer server)
    {
        var state = new StringBuilder();
        foreach (var sql in new[]
                 {
                     "SELECT Id, UserName, Role, PasswordHash, KdfSalt, KdfOpsLimit, KdfMemLimitBytes, KeyBundle, " +
                     "IdentitySigningKey, IdentityBoxKey, TotpSecretProtected, TotpEnabled, TotpLastStep, SecurityStamp " +
                     "FROM AspNetUsers ORDER BY Id",
                     "SELECT Id, UserId, Name, SigningKey, BoxKey, RevokedAt FROM Devices ORDER BY Id",
                     "SELECT Id, Role, ExpiresAt, UsedAt, UsedBy FROM Invitations ORDER BY Id",
                     "SELECT Id, Status, Type FROM OpenIddictTokens ORDER BY Id",
                 })
        {
            foreach (var row in server.Rows(sql))
            {
                state.AppendLine(row);
            }
            state.AppendLine("--");
        }
        return state.ToString();
    }

    public static long Count(VaultServer server, string sql) => (long)server.Scalar(sql)!;

    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type)
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
        return problem;
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? token,
        object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await http.SendAsync(request);
    }

    public static Task<HttpResponseMessage> TokenAsync(HttpClient http, params (string Name, string Value)[] form) =>
        http.PostAsync("/connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value))));

    /// <summary>A well-formed registration as a client would send it, as a mutable JSON object.</summary>
    public static Dictionary<string, object> Registration(string code, string username, string passphrase)
    {
        var kdf = new KdfParameters(3, 8 * 1024 * 1024, Sodium.SodiumCore.GetRandomBytes(16));
        using var keys = PassphraseKeys.Derive(passphrase, kdf);
        using var identity = IdentityKeys.Generate();
        using var device = DeviceKeys.Generate();
        return new Dictionary<string, object>
        {
            ["invitationCode"] = code, ["username"] = username, ["kdfSalt"] = kdf.Salt, ["authKey"] = keys.AuthKey.ToArray(),
            ["keyBundle"] = KeyBundle.Seal(identity, keys.KeyEncryptionKey, kdf.Salt),
            ["identitySigningKey"] = identity.SigningPublicKey, ["identityBoxKey"] = identity.BoxPublicKey,
            ["device"] = Device(device, identity, "laptop"),
        };
    }

    public static Dictionary<string, object> Device(DeviceKeys device, IdentityKeys identity, string name) => new()
    {
        ["name"] = name, ["signingKey"] = device.SigningPublicKey, ["boxKey"] = device.BoxPublicKey,
        ["boxKeySignature"] = device.SignBoxKey(), ["identitySignature"] = device.CertifyWith(identity),
    };

    /// <summary>Right length but a broken signature, or one byte short for keys and bundles.</summary>
    public static void Corrupt(Dictionary<string, object> body, string field)
    {
        var target = field.StartsWith("device.", StringComparison.Ordinal) ? (Dictionary<string, object>)body["device"] : body;
        var name = field.Split('.').Last();
        var bytes = (byte[])((byte[])target[name]).Clone();
        if (name.EndsWith("Signature", StringComparison.Ordinal))
        {
            bytes[5] ^= 0x40;
        }
        else
        {
            bytes = bytes[..^1];
        }
        target[name] = bytes;
    }
}
