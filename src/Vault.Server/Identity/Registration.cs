using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;

namespace Vault.Server.Identity;

/// <summary>
/// Accepting an invitation creates the account and its first device in one transaction. Everything the client
/// sends is checked for shape and signatures first; any failure changes nothing, the invitation included.
/// </summary>
internal static class Registration
{
    public static void MapRegistration(this IEndpointRouteBuilder app) =>
        app.MapPost("/auth/register", Handle).AllowAnonymous().WithTags("Identity")
            .WithSummary("Accept an invitation: create the account and its first device.");

    private static async Task<IResult> Handle(RegisterRequest request, VaultDbContext db, UserManager<VaultUser> users,
        InvitationService invitations, TotpVerifier totp, IOptions<VaultOptions> options, TimeProvider clock,
        AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var username = PreLogin.Normalize(request.Username ?? "");
        if (Validate(request, username) is { } problem)
        {
            return problem;
        }
        var policy = options.Value.Kdf;
        var now = clock.GetUtcNow();
        var user = new VaultUser
        {
            Id = Guid.CreateVersion7(),
            UserName = username,
            Role = Roles.Guardian, // replaced by the invitation's role below
            KdfSalt = request.KdfSalt,
            KdfOpsLimit = policy.OpsLimit,
            KdfMemLimitBytes = policy.MemLimitBytes,
            KeyBundle = request.KeyBundle,
            IdentitySigningKey = request.IdentitySigningKey,
            IdentityBoxKey = request.IdentityBoxKey,
            PasswordHash = AuthKeyHasher.Hash(request.AuthKey),
            CreatedAt = now,
        };

        // The invitation first: only someone holding a valid code may learn whether a username is taken.
        var peeked = await invitations.PeekAsync(request.InvitationCode, ct);
        if (peeked is null || (peeked.FamilyId is not null && !await MemberEndpoints.StillAllowedAsync(db, peeked, ct)))
        {
            return Problems.BadRequest(ProblemTypes.InvalidInvitation, "The invitation code is invalid, expired or already used.");
        }
        if (await users.FindByNameAsync(username) is not null)
        {
            return UsernameTaken();
        }
        var device = KeysModule.NewDevice(user.Id, request.Device, now);
        if (peeked.FamilyId is { } joining)
        {
            // Audited before the write transaction (fail closed, and the audit writer never waits on our lock).
            await audit.AppendAsync(AuditEvent.For(new Actor(user.Id, device.Id, peeked.Role, http.TraceIdentifier),
                AuditActions.MemberJoined, joining, $"{ConsentScopes.Members}/{user.Id}"), ct);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var invitation = await invitations.RedeemAsync(request.InvitationCode, user.Id, ct);
        if (invitation is null)
        {
            return Problems.BadRequest(ProblemTypes.InvalidInvitation, "The invitation code is invalid, expired or already used.");
        }
        user.Role = invitation.Role;
        var required = Roles.RequiresSecondFactor(user.Role);
        var enrollment = required ? totp.Enroll(user, required: true) : null;
        Guid deviceId;
        try
        {
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                return created.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName))
                    ? UsernameTaken()
                    : Problems.Validation(string.Join(" ", created.Errors.Select(e => e.Description)));
            }
            db.Devices.Add(device);
            if (invitation.FamilyId is not null)
            {
                await MemberEndpoints.JoinAsync(db, invitation, user.Id, now, ct);
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            deviceId = device.Id;
        }
        catch (DbUpdateException)
        {
            // A concurrent registration may have taken the name between our check and our insert (unique index).
            if (await NameExistsAfterRollbackAsync(db, transaction, username))
            {
                return UsernameTaken();
            }
            throw;
        }
        return TypedResults.Ok(new RegisterResponse(user.Id, deviceId, user.Role, enrollment));
    }

    private static ProblemHttpResult UsernameTaken() => Problems.Result(409, ProblemTypes.UsernameTaken, "This username is taken.");

    private static async Task<bool> NameExistsAfterRollbackAsync(VaultDbContext db, IDbContextTransaction transaction, string username)
    {
        await transaction.RollbackAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        var normalized = username.ToUpperInvariant();
        return await db.Users.AnyAsync(u => u.NormalizedUserName == normalized, CancellationToken.None);
    }

    private static IResult? Validate(RegisterRequest request, string username)
    {
        if (!PreLogin.IsValidUsername(username))
        {
            return Problems.Validation("A username is 3 to 64 characters: a-z, 0-9 and . _ @ -");
        }
        if (request.KdfSalt is not { Length: KdfParameters.SaltBytes } || request.AuthKey is not { Length: AuthKeyHasher.AuthKeyBytes })
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "The KDF salt must be 16 bytes and the authentication key 32 bytes.");
        }
        if (!KeyBundle.IsWellFormed(request.KeyBundle))
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "The key bundle is malformed.");
        }
        if (request.IdentitySigningKey is not { Length: DeviceKeys.PublicKeyBytes } ||
            request.IdentityBoxKey is not { Length: DeviceKeys.PublicKeyBytes })
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "Identity public keys must be 32 bytes each.");
        }
        return request.Device is null
            ? Problems.Validation("A first device is required.")
            : KeysModule.ValidateDevice(request.Device, request.IdentitySigningKey);
    }
}
