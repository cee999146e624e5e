using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// Authorization code + PKCE for browser clients (the public client "vault-web"). The browser derives the
/// authentication key itself, exactly like the SDK, and posts it to /connect/login, which sets a short-lived cookie;
/// /connect/authorize then issues a code for that user to a registered redirect URI. The passphrase never reaches
/// the server. There is no login page: without the cookie, authorize answers the client with login_required.
/// </summary>
internal static class BrowserLogin
{
    public const string Scheme = "Vault.BrowserLogin";
    public const string LoginPath = "/connect/login";

    public sealed record LoginRequest(string? Username, string? AuthKey, string? TotpCode);

    public static void MapBrowserLogin(this IEndpointRouteBuilder app)
    {
        app.MapPost(LoginPath, Login).AllowAnonymous().WithTags("Identity")
            .WithSummary("Browser login: username, base64 authentication key and TOTP code; sets a 5-minute cookie for /connect/authorize.");
        app.MapMethods(Contracts.Identity.VaultOAuth.AuthorizePath, [HttpMethods.Get, HttpMethods.Post], Authorize)
            .AllowAnonymous().ExcludeFromDescription();
    }

    public static void AddCookie(AuthenticationBuilder authentication) =>
        authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "vault.login";
            cookie.Cookie.Path = "/connect";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax; // sent on the top-level navigation to /connect/authorize
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            cookie.SlidingExpiration = false;
            // An API, not a site: never redirect to a login page.
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });

    private static async Task<IResult> Login(LoginRequest request, HttpContext http, UserManager<VaultUser> users,
        TotpVerifier totp, LoginThrottle throttle, AuditLog audit, CancellationToken ct)
    {
        var check = await Credentials.CheckAsync(users, totp, throttle, http.Connection.RemoteIpAddress, request.Username,
            request.AuthKey, request.TotpCode, ct);
        await TokenEndpoint.AuditAsync(audit, http, check.User, null, "browser/" + check.Outcome, ct);
        if (check.RetryAfter is { } wait)
        {
            return RateLimits.TooMany(wait);
        }
        if (check is not { Ok: true, User: { } user })
        {
            return Problems.BadRequest(check.ProblemType!, check.Title);
        }
        var identity = new ClaimsIdentity(Scheme);
        identity.AddClaim(new Claim(Claims.Subject, user.Id.ToString()));
        identity.AddClaim(new Claim("stamp", user.SecurityStamp ?? ""));
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Authorize(HttpContext http, UserManager<VaultUser> users)
    {
        // OpenIddict has already validated client_id, redirect_uri, response_type and the PKCE challenge.
        var request = http.GetOpenIddictServerRequest();
        if (request is null)
        {
            return Problems.Validation("Not an OpenID Connect request.");
        }
        var login = await http.AuthenticateAsync(Scheme);
        var user = login.Succeeded ? await users.FindByIdAsync(login.Principal.GetClaim(Claims.Subject) ?? "") : null;
        // A passphrase change (new security stamp) since the login voids the cookie.
        if (user is null || user.SecurityStamp != login.Principal!.GetClaim("stamp"))
        {
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.LoginRequired,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "Log in at " + LoginPath + " first.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        await http.SignOutAsync(Scheme); // one login, one code
        // Device-less, like a recovering device: the browser registers its device keys, then binds by refresh.
        return TokenEndpoint.SignIn(user, deviceId: null, request.GetScopes());
    }
}
