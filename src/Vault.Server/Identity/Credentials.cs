using Microsoft.AspNetCore.Identity;
using Vault.Contracts;

namespace Vault.Server.Identity;

/// <summary>
/// The one credential check behind every way to log in (password grant, browser login): account, lockout,
/// authentication key, then the second factor where the account has one. Failures count towards the lockout.
/// </summary>
internal static class Credentials
{
    /// <summary>Ok, or why not: a problem type, a title and a short outcome word for the audit log.</summary>
    public sealed record Result(VaultUser? User, string? ProblemType, string Title, string Outcome)
    {
        public bool Ok => ProblemType is null;
    }

    public static async Task<Result> CheckAsync(UserManager<VaultUser> users, TotpVerifier totp, string? username,
        string? authKeyBase64, string? totpCode, CancellationToken ct)
    {
        var user = await users.FindByNameAsync(PreLogin.Normalize(username ?? ""));
        if (user is null)
        {
            return WrongCredentials(null, "unknown-account");
        }
        if (await users.IsLockedOutAsync(user))
        {
            return new(user, ProblemTypes.AccountLocked, "Too many failed attempts: the account is locked for a while.", "locked");
        }
        if (!AuthKeyHasher.Verify(user.PasswordHash, authKeyBase64))
        {
            await users.AccessFailedAsync(user);
            return WrongCredentials(user, "wrong-credentials");
        }
        if (Roles.RequiresSecondFactor(user.Role) || user.TotpEnabled)
        {
            if (string.IsNullOrEmpty(totpCode))
            {
                return new(user, ProblemTypes.SecondFactorRequired, "This account needs a TOTP code.", "second-factor-missing");
            }
            if (!await totp.VerifyAsync(user, totpCode, ct))
            {
                await users.AccessFailedAsync(user);
                return new(user, ProblemTypes.InvalidSecondFactor, "The TOTP code is wrong, expired or already used.",
                    "second-factor-wrong");
            }
        }
        await users.ResetAccessFailedCountAsync(user);
        return new(user, null, "", "ok");
    }

    private static Result WrongCredentials(VaultUser? user, string outcome) =>
        new(user, ProblemTypes.InvalidCredentials, "The username or passphrase is wrong.", outcome);
}
