using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using Vault.Contracts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// Token endpoint errors must stay RFC 6749 (error, error_description) for OAuth clients; they also carry the
/// RFC 9457 members (type, title, status) so that every error in Vault has a stable problem type URI.
/// </summary>
internal static class TokenErrors
{
    public static IResult InvalidCredentials() =>
        Reject(Errors.InvalidGrant, ProblemTypes.InvalidCredentials, "The username or passphrase is wrong.");

    public static IResult Reject(string error, string problemType, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorUri] = problemType,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    public static ValueTask AddProblemFields(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        var response = context.Response;
        if (string.IsNullOrEmpty(response.Error))
        {
            return ValueTask.CompletedTask;
        }
        var status = response.Error is Errors.InvalidClient ? 401 : 400;
        response["type"] = response.ErrorUri ?? ProblemTypes.ForStatus(status) + "-" + response.Error;
        response["title"] = response.ErrorDescription ?? response.Error;
        response["status"] = status;
        return ValueTask.CompletedTask;
    }
}
