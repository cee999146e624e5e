using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Identity;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;
using Vault.Server.Messaging;

namespace Vault.Server.Keys;

/// <summary>
/// Device keys and the public key directory. The server verifies every device's self-signature and the user's
/// identity signature over it before storing it, so clients never see a device the user did not certify.
/// </summary>
public static class KeysModule
{
    public const int MaxActiveDevices = 20;

    public static IServiceCollection AddVaultKeys(this IServiceCollection services) => services.AddScoped<KeyRingService>();

    public static IEndpointRouteBuilder MapVaultKeys(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/account/devices").WithTags("Keys");
        devices.MapPost("/", Register).RequireAuthorization(Policies.Account)
            .WithSummary("Register a new device of the signed-in user (after recovering keys with the passphrase).");
        devices.MapGet("/", ListOwn).RequireAuthorization();
        devices.MapDelete("/{deviceId:guid}", Revoke).RequireAuthorization()
            .WithSummary("Revoke a device: its tokens stop working at once. Final.");
        app.MapGet("/users/{userId:guid}/keys", Directory).RequireAuthorization().WithTags("Keys")
            .WithSummary("A user's identity public keys and devices (yourself, or someone you share a family with).");
        app.MapKeyRings();
        app.MapIdentityWraps();
        return app;
    }

    internal static Device NewDevice(Guid userId, DeviceRegistration registration, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        UserId = userId,
        Name = registration.Name.Trim(),
        SigningKey = registration.SigningKey,
        BoxKey = registration.BoxKey,
        BoxKeySignature = registration.BoxKeySignature,
        IdentitySignature = registration.IdentitySignature,
        CreatedAt = now,
    };

    internal static IResult? ValidateDevice(DeviceRegistration device, byte[] identitySigningKey)
    {
        if (string.IsNullOrWhiteSpace(device.Name) || device.Name.Trim().Length > 64)
        {
            return Problems.Validation("A device name is 1 to 64 characters.");
        }
        if (device.SigningKey is not { Length: DeviceKeys.PublicKeyBytes } || device.BoxKey is not { Length: DeviceKeys.PublicKeyBytes } ||
            device.BoxKeySignature is not { Length: DeviceKeys.SignatureBytes } ||
            device.IdentitySignature is not { Length: DeviceKeys.SignatureBytes })
        {
            return Problems.BadRequest(ProblemTypes.MalformedKey, "Device public keys are 32 bytes and signatures 64 bytes.");
        }
        return DeviceKeys.VerifyRegistration(identitySigningKey, device.SigningKey, device.BoxKey, device.BoxKeySignature,
            device.IdentitySignature)
            ? null
            : Problems.BadRequest(ProblemTypes.InvalidSignature,
                "The device keys are not signed by the device and the user's identity key.");
    }

    private static async Task<IResult> Register(DeviceRegistration request, HttpContext http,
        UserManager<VaultUser> users, VaultDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var user = await users.FindByIdAsync(actor.UserId.ToString());
        if (user is null)
        {
            return Problems.NotFound();
        }
        if (ValidateDevice(request, user.IdentitySigningKey) is { } problem)
        {
            return problem;
        }
        if (await db.Devices.CountAsync(d => d.UserId == user.Id && d.RevokedAt == null, ct) >= MaxActiveDevices)
        {
            return Problems.Result(409, ProblemTypes.Conflict, $"At most {MaxActiveDevices} active devices: revoke one first.");
        }
        var device = NewDevice(user.Id, request, clock.GetUtcNow());
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.DeviceRegistered, null, $"device:{device.Id}"), ct);
        db.Devices.Add(device);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToInfo(device));
    }

    private static async Task<IResult> ListOwn(ClaimsPrincipal principal, VaultDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await DevicesOf(db, principal.UserId(), ct));

    private static async Task<IResult> Revoke(Guid deviceId, HttpContext http, VaultDbContext db, AuditLog audit,
        Connections connections, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.UserId == actor.UserId, ct);
        if (device is null)
        {
            return Problems.NotFound(); // someone else's device looks exactly like no device
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.DeviceRevoked, null, $"device:{deviceId}"), ct);
        // The device held current epoch keys: those rings rotate before the next write (in the same transaction, so
        // no write slips in under the old epoch). Its live connections end now.
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            device.RevokedAt ??= clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            await KeyRingStaleness.DeviceAsync(db, deviceId, actor.UserId, ct);
            await transaction.CommitAsync(ct);
        }
        connections.AbortDevice(deviceId);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Directory(Guid userId, ClaimsPrincipal principal, VaultDbContext db, CancellationToken ct)
    {
        var caller = principal.UserId();
        var shared = caller == userId || principal.Role() == Roles.Admin || await db.Memberships.AnyAsync(mine =>
            mine.UserId == caller && mine.RemovedAt == null && db.Memberships.Any(theirs =>
                theirs.FamilyId == mine.FamilyId && theirs.UserId == userId), ct); // former members too: their signatures stay checkable
        var user = shared ? await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct) : null;
        if (user is null)
        {
            return Problems.NotFound();
        }
        return TypedResults.Ok(new UserKeysResponse(user.Id, user.UserName!, user.IdentitySigningKey, user.IdentityBoxKey,
            await DevicesOf(db, userId, ct)));
    }

    private static async Task<List<DeviceInfo>> DevicesOf(VaultDbContext db, Guid userId, CancellationToken ct)
    {
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == userId).ToListAsync(ct);
        return devices.OrderBy(d => d.CreatedAt).Select(ToInfo).ToList();
    }

    internal static DeviceInfo ToInfo(Device d) =>
        new(d.Id, d.Name, d.SigningKey, d.BoxKey, d.BoxKeySignature, d.IdentitySignature, d.CreatedAt, d.RevokedAt);
}
