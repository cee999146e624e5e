using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>
/// What the server shows the internet: the issuer and every URL from configuration, never from Host or
/// X-Forwarded-Host; forwarded headers only from configured proxies; plain HTTP only on loopback; tokens only in the
/// Authorization header (the hub's query string apart); security headers on every answer.
/// </summary>
public sealed class PublicFaceTests
{
    private const string Issuer = "http://127.0.0.1:5080/"; // the embedded default (appsettings.json: Urls)

    [Fact]
    public async Task Discovery_ForgedHostOrForwardedHost_IssuerAndUrlsFromConfiguration()
    {
        using var server = new VaultServer();
        using var http = server.NewHttp();

        using var forgedHost = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        forgedHost.Headers.Host = "evil.example";
        await Probe.AssertProblemAsync(await http.SendAsync(forgedHost), HttpStatusCode.BadRequest, null);

        using var forwarded = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        forwarded.Headers.Add("X-Forwarded-Host", "evil.example");
        forwarded.Headers.Add("X-Forwarded-Proto", "https");
        forwarded.Headers.Add("X-Forwarded-For", "203.0.113.9");
        var discovery = await (await http.SendAsync(forwarded)).Content.ReadFromJsonAsync<JsonElement>();
        AssertAllUrlsUnder(discovery, Issuer);
        Assert.Equal(Issuer, discovery.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Discovery_AnyHostAllowed_IssuerAndOpenApiServerStillFromConfiguration()
    {
        using var server = new VaultServer { Settings = { ["AllowedHosts"] = "*", ["Vault:PublicUrl"] = "http://localhost:5080" } };
        using var http = server.NewHttp();
        foreach (var path in new[] { "/.well-known/openid-configuration", "/openapi/v1.json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = "evil.example";
            request.Headers.Add("X-Forwarded-Host", "evil.example");
            var body = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
            AssertAllUrlsUnder(body, "http://localhost:5080/");
            Assert.DoesNotContain("evil.example", body.ToString(), StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, string> UnsafeConfigurations => new()
    {
        { "Vault:PublicUrl", "http://vault.example.nl", "only loopback may use http" },
        { "Vault:PublicUrl", "https://vault.example.nl", "key-encryption key" },
        { "Vault:PublicUrl", "https://vault.example.nl/pad?x=1", "without path or query" },
        { "urls", "http://0.0.0.0:0", "Vault:PublicUrl is required" },
        { "Vault:TrustedProxies:0", "everyone", "neither an IP address nor a network" },
        { "Vault:KeyEncryptionKey", "kort", "32 random bytes" },
    };

    [Theory]
    [MemberData(nameof(UnsafeConfigurations))]
    public void Start_UnsafeConfiguration_RefusedWithWhatToDo(string key, string value, string message)
    {
        using var server = new VaultServer { Settings = { [key] = value } };
        var refused = Assert.ThrowsAny<Exception>(() => server.NewHttp());
        var all = string.Join(" | ", Chain(refused).Select(e => e.Message));
        Assert.Contains(message, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transport_PlainHttpOnNetworkAddress_RefusedUnlessATrustedProxySaysTls()
    {
        var address = NetworkAddress();
        using var server = new VaultServer(listenOnAllAddresses: true)
        {
            Settings = { ["AllowedHosts"] = "*", ["Vault:TrustedProxies:0"] = address.ToString() },
        };
        using var http = new HttpClient();
        var direct = new Uri($"http://{address}:{server.Port}/health/live");

        await Probe.AssertProblemAsync(await http.GetAsync(direct), HttpStatusCode.BadRequest, ProblemTypes.HttpsRequired);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{server.Port}/health/live")).StatusCode);

        using var viaProxy = new HttpRequestMessage(HttpMethod.Get, direct);
        viaProxy.Headers.Add("X-Forwarded-Proto", "https");
        var proxied = await http.SendAsync(viaProxy);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("max-age=31536000", proxied.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // ASPNETCORE_FORWARDEDHEADERS_ENABLED, which on its own would believe everyone
    public async Task ForwardedProto_FromAnUntrustedAddress_Ignored(bool frameworkForwardingOn)
    {
        using var server = new VaultServer(); // no trusted proxies: nobody's X-Forwarded-* counts
        if (frameworkForwardingOn)
        {
            server.Settings["ForwardedHeaders_Enabled"] = "true";
        }
        using var http = server.NewHttp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Rest_TokenInQueryStringOrForm_Refused()
    {
        using var server = new VaultServer();
        var admin = await new Cast(server).AdminAsync();
        var token = admin.Session!.AccessToken!;
        using var http = server.NewHttp();

        await Probe.AssertProblemAsync(await http.GetAsync("/account?access_token=" + Uri.EscapeDataString(token)),
            HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        // An endpoint without a JSON body (a JSON one would answer 415 before authentication even looked).
        var inForm = await http.PostAsync("/account/totp", new FormUrlEncodedContent([KeyValuePair.Create("access_token", token)]));
        await Probe.AssertProblemAsync(inForm, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await Probe.SendAsync(http, HttpMethod.Get, "/account", token)).StatusCode);
    }

    [Fact]
    public async Task Responses_EveryKind_CarrySecurityHeadersAndNoStore()
    {
        using var server = new VaultServer();
        var admin = await new Cast(server).AdminAsync();
        using var http = server.NewHttp();
        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["health"] = await http.GetAsync("/health/live"),
            ["keys"] = await Probe.SendAsync(http, HttpMethod.Get, "/account/keys", admin.Session!.AccessToken),
            ["not found"] = await http.GetAsync("/no/such/route"),
            ["unauthorized"] = await http.GetAsync("/account"),
            ["discovery"] = await http.GetAsync("/.well-known/openid-configuration"),
            ["token error"] = await Probe.TokenAsync(http, ("grant_type", "password")),
            ["reference"] = await http.GetAsync("/scalar/"),
        };
        foreach (var (name, response) in responses)
        {
            string Header(string header) => response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : $"({name}: no {header})";
            Assert.Equal("nosniff", Header("X-Content-Type-Options"));
            Assert.Equal("DENY", Header("X-Frame-Options"));
            Assert.Equal("no-referrer", Header("Referrer-Policy"));
            Assert.Equal("same-origin", Header("Cross-Origin-Resource-Policy"));
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? $"({name}: no Cache-Control)", StringComparison.Ordinal);
            var csp = Header("Content-Security-Policy");
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.StartsWith("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Equal(name == "reference", csp.Contains("script-src 'self'", StringComparison.Ordinal));
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), name + ": HSTS over plain http");
        }
    }

    private static void AssertAllUrlsUnder(JsonElement element, string prefix)
    {
        foreach (var value in Strings(element).Where(s => s.Contains("://", StringComparison.Ordinal)))
        {
            Assert.StartsWith(prefix, value, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>This machine's first non-loopback IPv4 address (the test is about reaching the server through one).</summary>
    private static IPAddress NetworkAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("This machine has no non-loopback IPv4 address to reach the server through.");
}
