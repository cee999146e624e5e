using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Vault.Server.Storage;

namespace Vault.Server.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task Health_BlobStoreDown_ReadyIs503AndLiveIs200()
    {
        var store = Substitute.For<IBlobStore>();
        store.IsReadyAsync(Arg.Any<CancellationToken>()).Returns(false);
        using var server = new VaultServer { ConfigureTestServices = services => services.AddSingleton(store) };
        using var http = server.NewHttp();

        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("blob-store").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Discovery_OpenApiAndReadiness_Served()
    {
        using var server = new VaultServer();
        using var http = server.NewHttp();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var discovery = await http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        Assert.EndsWith("/connect/token", discovery.GetProperty("token_endpoint").GetString(), StringComparison.Ordinal);
        Assert.Contains("password", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()));
        Assert.Contains("S256", discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(g => g.GetString()));

        var openApi = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/auth/prelogin", paths);
        Assert.Contains("/account/devices", paths);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/scalar/")).StatusCode);
    }

    [Fact]
    public async Task Restart_SameDataDirectory_KeepsKeysAndDoesNotReinvite()
    {
        string first;
        string signingKey;
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            first = server.AdminInvitation;
            signingKey = await File.ReadAllTextAsync(Path.Combine(data, "keys", "token-signing.pem"));
        }
        using var again = new VaultServer { DataDirectoryOverride = data };
        Assert.Throws<InvalidOperationException>(() => again.AdminInvitation); // printed once, on first start only
        Assert.Equal(signingKey, await File.ReadAllTextAsync(Path.Combine(data, "keys", "token-signing.pem")));
        Assert.NotEmpty(first);
    }
}
