using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Server.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Vault.Server.Identity;

/// <summary>Most endpoints need a token issued to a registered device (not just to the account).</summary>
public sealed class DeviceRequirement : IAuthorizationRequirement
{
    public const string ProblemItem = "vault.problem-type";

    internal sealed class Handler : AuthorizationHandler<DeviceRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DeviceRequirement requirement)
        {
            if (context.User.DeviceId() is not null)
            {
                context.Succeed(requirement);
            }
            else if (context.Resource is HttpContext http)
            {
                http.Items[ProblemItem] = ProblemTypes.DeviceRequired;
            }
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// Runs inside OpenIddict's token validation: a token whose device has been revoked is rejected as an invalid
/// token (401) on every request, REST or real time, from the moment of revocation.
/// </summary>
public sealed class DeviceRevocationCheck(VaultDbContext db) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var principal = context.AccessTokenPrincipal;
        if (principal is null)
        {
            return;
        }
        var deviceId = principal.DeviceId();
        if (deviceId is null)
        {
            return;
        }
        var userId = principal.UserId();
        var active = await db.Devices.AnyAsync(d => d.Id == deviceId && d.UserId == userId && d.RevokedAt == null);
        if (!active)
        {
            context.Reject(error: Errors.InvalidToken, description: "The device this token was issued to has been revoked.");
        }
    }
}

public static class PrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.GetClaim(Claims.Subject), out var id) ? id : Guid.Empty;

    public static Guid? DeviceId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.GetClaim(VaultOAuth.DeviceClaim), out var id) ? id : null;

    public static string? Role(this ClaimsPrincipal principal) => principal.GetClaim(VaultOAuth.RoleClaim);
}
