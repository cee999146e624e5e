using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;
using Microsoft.EntityFrameworkCore;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Messaging;

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
        account.MapGet("/kdf", GetKdfPolicy).RequireAuthorization(Policies.Account)
            .WithSummary("The Argon2id cost a new passphrase must use now.");
        account.MapPost("/passphrase", ChangePassphrase).RequireAuthorization()
            .WithSummary("Replace the authentication key and re-wrapped key bundle (identity keys stay); ends other sessions.");
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

    private static Ok<KdfPolicyResponse> GetKdfPolicy(IOptions<VaultOptions> options)
    {
        var (ops, mem) = MinimumCost(options.Value.Kdf);
        return TypedResults.Ok(new KdfPolicyResponse(KdfParameters.Algorithm, ops, mem));
    }

    private static async Task<IResult> ChangePassphrase(ChangePassphraseRequest request, HttpContext http,
        UserManager<VaultUser> users, VaultDbContext db, IOpenIddictTokenManager tokens, IOptions<VaultOptions> options,
        LoginThrottle throttle, AuditLog audit, Connections connections, CancellationToken ct)
    {
        var principal = http.User;
        var user = await users.FindByIdAsync(principal.UserId().ToString());
        if (user is null)
        {
            return Problems.NotFound();
        }
        if (ValidateNewPassphrase(request, user, options.Value.Kdf) is { } invalid)
        {
            return invalid;
        }
        // A stolen access token must not become an unlimited oracle for the current passphrase: the login throttle counts.
        var client = http.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(PreLogin.Normalize(user.UserName!), client) is { } wait)
        {
            return RateLimits.TooMany(wait);
        }
        if (request.CurrentAuthKey is null || !AuthKeyHasher.Verify(user.PasswordHash, Convert.ToBase64String(request.CurrentAuthKey)))
        {
            throttle.Failed(PreLogin.Normalize(user.UserName!), client);
            return Problems.BadRequest(ProblemTypes.InvalidCredentials, "The current passphrase is wrong.");
        }
        throttle.Succeeded(PreLogin.Normalize(user.UserName!), client);
        await audit.AppendAsync(AuditEvent.For(Actor.From(http), AuditActions.PassphraseChanged, null, "account/passphrase"), ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        user.PasswordHash = AuthKeyHasher.Hash(request.NewAuthKey);
        user.KdfSalt = request.NewKdfSalt;
        user.KdfOpsLimit = request.NewOpsLimit; // exactly what the client derived with: login re-derives the same keys
        user.KdfMemLimitBytes = request.NewMemLimitBytes;
        user.KeyBundle = request.NewKeyBundle;
        await users.UpdateSecurityStampAsync(user); // also saves the changes above
        // Whoever else held a session (perhaps with the old passphrase) is signed out; this session carries on.
        await Sessions.RevokeAllExceptAsync(tokens, user.Id, principal.GetAuthorizationId(), ct);
        await transaction.CommitAsync(ct);
        // Their open real-time connections end too (the hub checks a token when it connects, not afterwards).
        foreach (var device in await db.Devices.AsNoTracking().Where(d => d.UserId == user.Id && d.Id != principal.DeviceId())
                     .Select(d => d.Id).ToListAsync(ct))
        {
            connections.AbortDevice(device);
        }
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult? ValidateNewPassphrase(ChangePassphraseRequest request, VaultUser user, VaultOptions.KdfPolicy policy)
    {
        if (request.NewKdfSalt is not { Length: KdfParameters.SaltBytes } ||
            request.NewAuthKey is not { Length: AuthKeyHasher.AuthKeyBytes } || !KeyBundle.IsWellFormed(request.NewKeyBundle))
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "The new salt, authentication key or key bundle is malformed.");
        }
        if (CryptographicOperations.FixedTimeEquals(request.NewKdfSalt, user.KdfSalt))
        {
            return Problems.Validation("The new passphrase needs a fresh random salt.");
        }
        var (ops, mem) = MinimumCost(policy);
        return request.NewOpsLimit < ops || request.NewOpsLimit > KdfParameters.MaxOpsLimit ||
               request.NewMemLimitBytes < mem || request.NewMemLimitBytes > KdfParameters.MaxMemLimitBytes
            ? Problems.Validation($"The Argon2id cost must be {ops} to {KdfParameters.MaxOpsLimit} passes and {mem} to " +
                $"{KdfParameters.MaxMemLimitBytes} bytes (GET /account/kdf).")
            : null;
    }

    // A new passphrase never gets less than the current policy, nor less than any client accepts.
    private static (long Ops, int Mem) MinimumCost(VaultOptions.KdfPolicy policy) =>
        (Math.Max(policy.OpsLimit, KdfParameters.MinOpsLimit), Math.Max(policy.MemLimitBytes, KdfParameters.MinMemLimitBytes));

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
