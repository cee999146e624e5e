using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Vault.Contracts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// Every error of the token endpoint, ours or OpenIddict's own (missing client_id, expired or used refresh token),
/// leaves as an RFC 9457 problem (application/problem+json, a stable urn:vault:problem: type, title, status) that
/// still carries RFC 6749's error and error_description members, so plain OAuth clients keep working. So does an
/// authorization endpoint error that cannot go back to the client (no trusted redirect URI yet).
/// </summary>
internal static class TokenErrors
{
    private const string ProblemPrefix = "urn:vault:problem:";

    public static IResult InvalidCredentials() =>
        Reject(Errors.InvalidGrant, ProblemTypes.InvalidCredentials, "The username or passphrase is wrong.");

    // The problem type rides in error_uri from here to AddProblemFields, which moves it to "type".
    public static IResult Reject(string error, string problemType, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorUri] = problemType,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>For the token, discovery and key-set endpoints alike: any JSON error OpenIddict writes.</summary>
    public static ValueTask AddProblemFields(OpenIddictServerEvents.BaseContext context)
    {
        var response = context.Transaction.Response;
        if (response is null || string.IsNullOrEmpty(response.Error))
        {
            return ValueTask.CompletedTask;
        }
        var status = StatusOf(response.Error);
        if (response.ErrorUri is { } uri && uri.StartsWith(ProblemPrefix, StringComparison.Ordinal))
        {
            response["type"] = uri;
            response.ErrorUri = null; // error_uri is meant to be a web page; the type says it all
        }
        else
        {
            response["type"] = TypeOf(response.Error, status); // OpenIddict's own error_uri (its docs) may stay
        }
        response["title"] = response.ErrorDescription ?? response.Error;
        response["status"] = status;

        // OpenIddict writes the body as application/json; switch the header just before it is sent.
        if (context.Transaction.GetHttpRequest()?.HttpContext.Response is { } http)
        {
            http.OnStarting(() =>
            {
                http.ContentType = "application/problem+json; charset=utf-8";
                return Task.CompletedTask;
            });
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Errors the authorization endpoint shows itself (OpenIddict would write text/plain) become problems.</summary>
    public static async ValueTask RenderLocalAuthorizationError(OpenIddictServerEvents.ApplyAuthorizationResponseContext context)
    {
        var response = context.Response;
        if (string.IsNullOrEmpty(response.Error) || !string.IsNullOrEmpty(context.RedirectUri) ||
            context.Transaction.GetHttpRequest()?.HttpContext.Response is not { } http)
        {
            return; // success, or an error that goes back to the client's redirect URI
        }
        var status = StatusOf(response.Error);
        http.StatusCode = status;
        http.Headers.CacheControl = "no-store";
        await http.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["type"] = TypeOf(response.Error, status),
            ["title"] = response.ErrorDescription ?? response.Error,
            ["status"] = status,
            ["error"] = response.Error,
            ["error_description"] = response.ErrorDescription,
        }, options: null, contentType: "application/problem+json; charset=utf-8", context.CancellationToken);
        context.HandleRequest();
    }

    // The same status codes OpenIddict's ASP.NET Core host assigns for token endpoint errors.
    private static int StatusOf(string error) => error switch
    {
        Errors.InvalidClient => StatusCodes.Status401Unauthorized,
        Errors.ServerError => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TypeOf(string error, int status) => error switch
    {
        Errors.InvalidRequest => ProblemTypes.MalformedRequest,
        Errors.InvalidClient => ProblemTypes.Unauthorized,
        Errors.InvalidGrant => ProblemTypes.InvalidCredentials, // e.g. an expired, revoked or already used refresh token
        Errors.UnauthorizedClient or Errors.AccessDenied => ProblemTypes.Forbidden,
        Errors.UnsupportedGrantType => ProblemTypes.UnsupportedGrant,
        Errors.InvalidScope => ProblemTypes.Validation,
        _ => ProblemTypes.ForStatus(status),
    };
}
