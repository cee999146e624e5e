using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// The OpenID Connect token endpoint (OpenIddict passthrough). Password grant: the "password" is the client's
/// base64 authentication key, plus a TOTP code where the account has one, plus optionally the device the token
/// is for. Refresh grant: re-checks the account and device, and re-reads the role. Every outcome is audited
/// (NEN 7513 wants failed logins too); the attempted username is not, as it may be a mistyped passphrase.
/// </summary>
internal static class TokenEndpoint
{
    public static void MapTokenEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost(VaultOAuth.TokenPath, Exchange).ExcludeFromDescription().AllowAnonymous();

    private static async Task<IResult> Exchange(HttpContext http, UserManager<VaultUser> users, TotpVerifier totp,
        LoginThrottle throttle, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest();
        if (request is null)
        {
            return Results.Problem(statusCode: 400, type: ProblemTypes.MalformedRequest, title: "Not an OpenID Connect request.");
        }
        if (request.IsPasswordGrantType())
        {
            var (result, user, device, outcome) = await PasswordGrant(request, http, users, totp, throttle, db, ct);
            await AuditAsync(audit, http, user, device, "password/" + outcome, ct);
            return result;
        }
        if (request.IsRefreshTokenGrantType() || request.IsAuthorizationCodeGrantType())
        {
            // OpenIddict has already checked the code (and its PKCE verifier) or refresh token; the account is re-checked.
            var (result, user, device, outcome) = await RefreshGrant(http, users, db, ct);
            await AuditAsync(audit, http, user, device, (request.IsRefreshTokenGrantType() ? "refresh/" : "code/") + outcome, ct);
            return result;
        }
        return TokenErrors.Reject(Errors.UnsupportedGrantType, ProblemTypes.UnsupportedGrant, "This grant type is not supported.");
    }

    private static async Task<Outcome> PasswordGrant(OpenIddictRequest request, HttpContext http, UserManager<VaultUser> users,
        TotpVerifier totp, LoginThrottle throttle, VaultDbContext db, CancellationToken ct)
    {
        var check = await Credentials.CheckAsync(users, totp, throttle, http.Connection.RemoteIpAddress, request.Username,
            request.Password, (string?)request.GetParameter(VaultOAuth.TotpParameter), ct);
        if (check.RetryAfter is { } wait)
        {
            return new(RateLimits.TooMany(wait), null, null, check.Outcome);
        }
        if (check is not { Ok: true, User: { } user })
        {
            return new(TokenErrors.Reject(Errors.InvalidGrant, check.ProblemType!, check.Title), check.User, null, check.Outcome);
        }

        Guid? deviceId = null;
        var deviceParameter = (string?)request.GetParameter(VaultOAuth.DeviceParameter);
        if (!string.IsNullOrEmpty(deviceParameter))
        {
            if (!Guid.TryParse(deviceParameter, out var parsed) || !await IsActiveDevice(db, user.Id, parsed, ct))
            {
                return new(TokenErrors.Reject(Errors.InvalidGrant, ProblemTypes.DeviceRevoked,
                    "The device is unknown or has been revoked."), user, null, "device-revoked");
            }
            deviceId = parsed;
        }
        return new(SignIn(user, deviceId, request.GetScopes()), user, deviceId, Succeeded);
    }

    private static async Task<Outcome> RefreshGrant(HttpContext http, UserManager<VaultUser> users, VaultDbContext db,
        CancellationToken ct)
    {
        var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal;
        var user = principal is null ? null : await users.FindByIdAsync(principal.UserId().ToString());
        if (principal is null || user is null)
        {
            return new(TokenErrors.Reject(Errors.InvalidGrant, ProblemTypes.InvalidCredentials, "The grant is no longer valid."),
                user, null, "invalid-token");
        }
        var deviceId = principal.DeviceId();
        // A device-less session (key recovery) may bind to a device it has just registered, without a second login.
        var requested = (string?)http.GetOpenIddictServerRequest()?.GetParameter(VaultOAuth.DeviceParameter);
        if (deviceId is null && Guid.TryParse(requested, out var newDevice))
        {
            deviceId = newDevice;
        }
        if (deviceId is not null && !await IsActiveDevice(db, user.Id, deviceId.Value, ct))
        {
            return new(TokenErrors.Reject(Errors.InvalidGrant, ProblemTypes.DeviceRevoked, "The device has been revoked."),
                user, deviceId, "device-revoked");
        }
        return new(SignIn(user, deviceId, principal.GetScopes()), user, deviceId, Succeeded);
    }

    internal const string Succeeded = "ok";

    private sealed record Outcome(IResult Result, VaultUser? User, Guid? DeviceId, string Reason);

    internal static Task<long> AuditAsync(AuditLog audit, HttpContext http, VaultUser? user, Guid? deviceId, string reason,
        CancellationToken ct)
    {
        var actor = new Actor(user?.Id ?? Guid.Empty, deviceId, user?.Role ?? "", http.TraceIdentifier);
        var ok = reason.EndsWith("/" + Succeeded, StringComparison.Ordinal);
        return audit.AppendAsync(new AuditEvent(actor, ok ? AuditActions.LoginSucceeded : AuditActions.LoginFailed, ok, null,
            "login/" + reason), ct);
    }

    private static Task<bool> IsActiveDevice(VaultDbContext db, Guid userId, Guid deviceId, CancellationToken ct) =>
        db.Devices.AnyAsync(d => d.Id == deviceId && d.UserId == userId && d.RevokedAt == null, ct);

    internal static IResult SignIn(VaultUser user, Guid? deviceId, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(VaultOAuth.RoleClaim, user.Role);
        if (deviceId is not null)
        {
            identity.SetClaim(VaultOAuth.DeviceClaim, deviceId.Value.ToString());
        }
        var allowed = new[] { Scopes.OpenId, Scopes.OfflineAccess, VaultOAuth.ApiScope };
        identity.SetScopes(scopes.Intersect(allowed, StringComparer.Ordinal));
        identity.SetDestinations(claim => claim.Type is Claims.Subject or Claims.Name or VaultOAuth.RoleClaim
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
