using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>The signed-in user's own account: profile, key bundle for recovery, passphrase change, TOTP.</summary>
internal static class AccountEndpoints
{
    public static void MapAccount(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account");
        account.MapGet("/", Get).RequireAuthorization(Policies.Account);
        account.MapGet("/keys", GetKeyBundle).RequireAuthorization(Policies.Account)
            .WithSummary("The encrypted key bundle and KDF parameters: a new device recovers with the passphrase alone.");
        account.MapPost("/passphrase", ChangePassphrase).RequireAuthorization()
            .WithSummary("Replace the authentication key and re-wrapped key bundle; the identity keys stay the same.");
        account.MapPost("/totp", EnrollTotp).RequireAuthorization();
        account.MapPost("/totp/confirm", ConfirmTotp).RequireAuthorization();
    }

    private static async Task<IResult> Get(ClaimsPrincipal principal, UserManager<VaultUser> users)
    {
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        return user is null
            ? Problems.NotFound()
            : TypedResults.Ok(new AccountResponse(user.Id, user.UserName!, user.Role, user.TotpEnabled, principal.DeviceId()));
    }

    private static async Task<IResult> GetKeyBundle(ClaimsPrincipal principal, UserManager<VaultUser> users)
    {
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        return user is null
            ? Problems.NotFound()
            : TypedResults.Ok(new KeyBundleResponse(KdfParameters.Algorithm, user.KdfOpsLimit, user.KdfMemLimitBytes,
                user.KdfSalt, user.KeyBundle, user.IdentitySigningKey, user.IdentityBoxKey));
    }

    private static async Task<IResult> ChangePassphrase(ChangePassphraseRequest request, ClaimsPrincipal principal,
        UserManager<VaultUser> users, Microsoft.Extensions.Options.IOptions<VaultOptions> options)
    {
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        if (user is null)
        {
            return Problems.NotFound();
        }
        if (request.NewKdfSalt is not { Length: KdfParameters.SaltBytes } ||
            request.NewAuthKey is not { Length: AuthKeyHasher.AuthKeyBytes } || !KeyBundle.IsWellFormed(request.NewKeyBundle))
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "The new salt, authentication key or key bundle is malformed.");
        }
        if (request.CurrentAuthKey is null || !AuthKeyHasher.Verify(user.PasswordHash, Convert.ToBase64String(request.CurrentAuthKey)))
        {
            await users.AccessFailedAsync(user);
            return Problems.BadRequest(ProblemTypes.InvalidCredentials, "The current passphrase is wrong.");
        }
        user.PasswordHash = AuthKeyHasher.Hash(request.NewAuthKey);
        user.KdfSalt = request.NewKdfSalt;
        user.KdfOpsLimit = options.Value.Kdf.OpsLimit;
        user.KdfMemLimitBytes = options.Value.Kdf.MemLimitBytes;
        user.KeyBundle = request.NewKeyBundle;
        await users.UpdateSecurityStampAsync(user); // also saves the changes above
        return TypedResults.NoContent();
    }

    private static async Task<IResult> EnrollTotp(ClaimsPrincipal principal, UserManager<VaultUser> users, TotpVerifier totp)
    {
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        if (user is null)
        {
            return Problems.NotFound();
        }
        if (user.TotpEnabled)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "A second factor is already active for this account.");
        }
        var enrollment = totp.Enroll(user, Roles.RequiresSecondFactor(user.Role));
        await users.UpdateAsync(user);
        return TypedResults.Ok(enrollment);
    }

    private static async Task<IResult> ConfirmTotp(TotpConfirmRequest request, ClaimsPrincipal principal,
        UserManager<VaultUser> users, TotpVerifier totp, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        if (user is null)
        {
            return Problems.NotFound();
        }
        return await totp.VerifyAsync(user, request.Code, ct)
            ? TypedResults.NoContent()
            : Problems.BadRequest(ProblemTypes.InvalidSecondFactor, "The TOTP code is wrong, expired or already used.");
    }
}
