namespace Vault.Server.Infrastructure;

/// <summary>
/// Headers on every response, errors included: nothing is cached (responses carry keys, tokens and ciphertext),
/// nothing is sniffed, framed or given a referrer, and no content of the API may run as a page. The API reference
/// (/scalar/) is a page: its CSP allows its own scripts and styles (Scalar's bootstrap is an inline module) and no
/// other origin. HSTS goes out only over TLS (a browser ignores it over http).
/// </summary>
public static class SecurityHeaders
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private const string ReferencePolicy = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IApplicationBuilder UseVaultSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/scalar") ? ReferencePolicy : ApiPolicy;
            headers.CacheControl = "no-store";
            if (http.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }
            return Task.CompletedTask;
        });
        return next(http);
    });
}
