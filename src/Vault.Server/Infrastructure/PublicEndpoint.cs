using System.Net;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.HttpOverrides;
using Vault.Contracts;

namespace Vault.Server.Infrastructure;

/// <summary>
/// How the server faces its clients: its public URL (the OpenID Connect issuer and the base of every URL it names,
/// never the request's Host header), the host names it answers to, the proxies whose forwarded headers it believes,
/// and when plain HTTP is acceptable: only on loopback (the embedded default) or in Development. Everything else
/// arrives over TLS, directly or through a configured TLS-terminating proxy that says so in X-Forwarded-Proto.
/// </summary>
public sealed class PublicEndpoint
{
    private const string EmbeddedDefault = "http://127.0.0.1:5080";
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    private PublicEndpoint(Uri url, bool plainHttp, List<IPAddress> proxies, List<System.Net.IPNetwork> networks)
    {
        Url = url;
        PlainHttp = plainHttp;
        Proxies = proxies;
        Networks = networks;
    }

    public Uri Url { get; }

    /// <summary>True when the public URL itself is http: loopback or Development, where TLS is not required.</summary>
    public bool PlainHttp { get; }

    public IReadOnlyList<IPAddress> Proxies { get; }
    public IReadOnlyList<System.Net.IPNetwork> Networks { get; }

    /// <summary>The configured public URL, or the loopback address the server listens on; refuses what is unsafe.</summary>
    public static PublicEndpoint Resolve(VaultOptions options, IConfiguration configuration, IHostEnvironment environment)
    {
        var listen = ListenUrls(configuration);
        var text = options.PublicUrl;
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!environment.IsDevelopment() && !listen.All(IsLoopbackUrl))
            {
                throw new InvalidOperationException(
                    "Vault:PublicUrl is required when the server listens beyond loopback: set it to the https URL clients use, e.g. https://vault.example.nl.");
            }
            text = listen.FirstOrDefault(u => IsLoopbackUrl(u) && !u.EndsWith(":0", StringComparison.Ordinal)) ?? EmbeddedDefault;
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
        {
            throw new InvalidOperationException($"Vault:PublicUrl must be an absolute http(s) URL without path or query, e.g. https://vault.example.nl (got '{text}').");
        }
        var plain = url.Scheme == Uri.UriSchemeHttp;
        if (plain && !url.IsLoopback && !environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"Vault:PublicUrl {url} is plain http on a network address: only loopback may use http. Use https (Kestrel with a certificate, or a TLS-terminating proxy listed in Vault:TrustedProxies).");
        }
        var (proxies, networks) = ParseProxies(options.TrustedProxies);
        return new PublicEndpoint(url, plain, proxies, networks);
    }

    /// <summary>Host names the server answers to: the public URL's, plus loopback names for local health checks.</summary>
    public void ConfigureHostFiltering(HostFilteringOptions hosts, IConfiguration configuration)
    {
        var configured = configuration["AllowedHosts"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        hosts.AllowedHosts = configured is { Length: > 0 } ? configured : [Url.IdnHost, .. LoopbackHosts];
        hosts.IncludeFailureMessage = false;
    }

    /// <summary>
    /// Forwarded headers (client address and scheme only, never the host) from the configured proxies alone. Without
    /// any, none at all: empty lists would mean "believe everyone" to the middleware (as ASP.NET Core's own
    /// ASPNETCORE_FORWARDEDHEADERS_ENABLED sets it up).
    /// </summary>
    public void ConfigureForwardedHeaders(ForwardedHeadersOptions forwarded)
    {
        forwarded.ForwardedHeaders = HasTrustedProxies ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
        forwarded.ForwardLimit = 1;
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in Proxies)
        {
            forwarded.KnownProxies.Add(proxy);
        }
        foreach (var network in Networks)
        {
            forwarded.KnownIPNetworks.Add(network);
        }
    }

    public bool HasTrustedProxies => Proxies.Count > 0 || Networks.Count > 0;

    /// <summary>
    /// Refuses a plain-HTTP request that reached the server on a network address, whatever the configuration says:
    /// TLS is required beyond loopback (a trusted proxy's X-Forwarded-Proto: https counts, as the forwarded-headers
    /// middleware ran first). Development is the one exception.
    /// </summary>
    public static IApplicationBuilder UseTransportSecurity(IApplicationBuilder app, IHostEnvironment environment) =>
        app.Use(async (http, next) =>
        {
            if (http.Request.IsHttps || environment.IsDevelopment() || http.Connection.LocalIpAddress is not { } local
                || IPAddress.IsLoopback(local))
            {
                await next(http);
                return;
            }
            await Problems.WriteAsync(http, StatusCodes.Status400BadRequest, ProblemTypes.HttpsRequired,
                "This server only accepts HTTPS requests.");
        });

    /// <summary>Every way the host may be told where to listen: urls, http(s)_ports (as container images set) and Kestrel endpoints.</summary>
    private static List<string> ListenUrls(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            urls.AddRange((configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(port => $"{scheme}://*:{port}"));
        }
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? "*"));
        return urls.Count > 0 ? urls : [EmbeddedDefault];
    }

    private static bool IsLoopbackUrl(string url)
    {
        var host = url.Split("://", 2).Last().Split('/')[0];
        host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return host is "localhost" or "[::1]" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static (List<IPAddress>, List<System.Net.IPNetwork>) ParseProxies(IEnumerable<string> entries)
    {
        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in entries.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()))
        {
            if (entry.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                proxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"Vault:TrustedProxies entry '{entry}' is neither an IP address nor a network like 172.28.0.0/24.");
            }
        }
        return (proxies, networks);
    }
}
