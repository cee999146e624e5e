using System.Net;
using Microsoft.AspNetCore.Identity;
using Vault.Contracts;

namespace Vault.Server.Identity;

/// <summary>
/// The one credential check behind every way to log in (password grant, browser login): the throttle first (keyed by
/// the name as typed, before the account is looked up, so unknown and known names are treated alike), then account,
/// authentication key and the second factor where the account has one. Every failure counts towards the throttle.
/// </summary>
internal static class Credentials
{
    /// <summary>Ok, or why not: a problem type, a title, a short outcome word for the audit log, and how long to wait.</summary>
    public sealed record Result(VaultUser? User, string? ProblemType, string Title, string Outcome, TimeSpan? RetryAfter = null)
    {
        public bool Ok => ProblemType is null;
    }

    public static async Task<Result> CheckAsync(UserManager<VaultUser> users, TotpVerifier totp, LoginThrottle throttle,
        IPAddress? client, string? username, string? authKeyBase64, string? totpCode, CancellationToken ct)
    {
        var name = PreLogin.Normalize(username ?? "");
        if (!PreLogin.IsValidUsername(name))
        {
            // No account has such a name: the same answer as an unknown one, and nothing to count or remember.
            return new(null, ProblemTypes.InvalidCredentials, "The username or passphrase is wrong.", "unknown-account");
        }
        if (throttle.RetryAfter(name, client) is { } wait)
        {
            return new(null, ProblemTypes.RateLimited, "Too many failed attempts for this name: try again later.", "throttled", wait);
        }
        var user = await users.FindByNameAsync(name);
        if (user is null || !AuthKeyHasher.Verify(user.PasswordHash, authKeyBase64))
        {
            throttle.Failed(name, client);
            return new(user, ProblemTypes.InvalidCredentials, "The username or passphrase is wrong.", user is null ? "unknown-account" : "wrong-credentials");
        }
        if (Roles.RequiresSecondFactor(user.Role) || user.TotpEnabled)
        {
            if (string.IsNullOrEmpty(totpCode))
            {
                return new(user, ProblemTypes.SecondFactorRequired, "This account needs a TOTP code.", "second-factor-missing");
            }
            if (!await totp.VerifyAsync(user, totpCode, ct))
            {
                throttle.Failed(name, client);
                return new(user, ProblemTypes.InvalidSecondFactor, "The TOTP code is wrong, expired or already used.",
                    "second-factor-wrong");
            }
        }
        throttle.Succeeded(name, client);
        return new(user, null, "", "ok");
    }
}
