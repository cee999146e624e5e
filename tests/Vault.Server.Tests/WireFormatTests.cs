using System.Net.Http.Json;
using Vault.Contracts.Identity;
using Vault.Server.Identity;

namespace Vault.Server.Tests;

/// <summary>The server-side formats security/identity.md documents with worked examples, checked against those examples.</summary>
public sealed class WireFormatTests
{
    [Fact]
    public void AuthKeyHash_VectorAuthKey_MatchesDocumentedValue()
    {
        // deterministic.kdf.auth_key of security/test-vectors/v1.json
        var authKey = Convert.FromHexString("8aab0dc2ad990cde3a49d27fe842fbffd92f42b2e2f1d1f57662145f0b86a394");
        Assert.Equal("v1:XS0zPF/KLvB4xVyHeVDso4CmmRlj+Syog52nnriYpjA=", AuthKeyHasher.Hash(authKey));
        Assert.True(AuthKeyHasher.Verify("v1:XS0zPF/KLvB4xVyHeVDso4CmmRlj+Syog52nnriYpjA=", "iqsNwq2ZDN46SdJ/6EL7/9kvQrLi8dH1dmIUXwuGo5Q="));
    }

    [Fact]
    public async Task PreLogin_UnknownUserWithKnownServerSecret_MatchesDocumentedFakeSalt()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(data, "keys"));
        await File.WriteAllBytesAsync(Path.Combine(data, "keys", "prelogin.key"), Enumerable.Repeat((byte)0x77, 32).ToArray());
        using var server = new VaultServer { DataDirectoryOverride = data };
        using var http = server.NewHttp();

        var response = await http.PostAsJsonAsync("/auth/prelogin", new PreLoginRequest(" Nobody.Here"));
        var body = await response.Content.ReadFromJsonAsync<PreLoginResponse>();

        Assert.Equal("bf843cb6e26be188207bcb4dcfa166e1", Convert.ToHexStringLower(body!.Salt));
        Assert.Equal("argon2id13", body.Algorithm);
    }
}
