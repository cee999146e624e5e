using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Vault.Contracts;

namespace Vault.Server.Infrastructure;

/// <summary>
/// The one place where a request body the framework cannot parse becomes a 4xx, before any code that would throw on
/// it runs (OpenIddict reads forms inside authentication; model binding reads JSON; both threw 500s on NUL, too many
/// fields, over-long keys and unknown charsets). Forms are read here once, within the form limits, and later readers
/// get the cached result. JSON is UTF-8 only (RFC 8259 requires it).
/// </summary>
public static class RequestParsing
{
    private static readonly HashSet<string> Utf8Charsets = new(StringComparer.OrdinalIgnoreCase) { "utf-8", "utf8", "us-ascii" };

    public static IApplicationBuilder UseVaultRequestParsing(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (await RefusalAsync(http) is { } refusal)
        {
            await Problems.WriteAsync(http, refusal.Status, refusal.Type, refusal.Title);
            return;
        }
        await next(http);
    });

    private static async Task<Problem?> RefusalAsync(HttpContext http)
    {
        var request = http.Request;
        // Refused before a byte of it is read, so a client waiting on "Expect: 100-continue" need not send it.
        if (request.ContentLength > http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize)
        {
            return new Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The request body is too large.");
        }
        if (string.IsNullOrEmpty(request.ContentType))
        {
            return null;
        }
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media))
        {
            return new Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "The Content-Type header is malformed.");
        }
        var json = media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                   || media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        // The form reader falls back to UTF-8 for a charset it does not know; the JSON reader throws.
        if (json && media.Charset.HasValue && !Utf8Charsets.Contains(media.Charset.Value!))
        {
            return new Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Send JSON as UTF-8.");
        }
        if (!request.HasFormContentType)
        {
            return null;
        }
        if (media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            // No endpoint takes multipart; reading one would spool its parts to disk for nothing.
            return new Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "No endpoint takes multipart bodies.");
        }
        try
        {
            await request.ReadFormAsync(http.RequestAborted);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // NUL characters, too many fields, over-long keys or values, a multipart body without its boundary or end.
            return new Problem(StatusCodes.Status400BadRequest, ProblemTypes.MalformedRequest,
                "The form could not be read: it is malformed or exceeds the form limits.");
        }
        catch (BadHttpRequestException bad)
        {
            return new Problem(bad.StatusCode, ProblemTypes.ForStatus(bad.StatusCode), bad.StatusCode == 413
                ? "The request body is too large." : "The request could not be read.");
        }
    }
}
