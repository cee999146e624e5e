using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.KeyRings;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Messaging;

namespace Vault.Server.Keys;

/// <summary>
/// Key rings per scope. A device gets only its own wraps (and its user's identity wraps), and only while it may read
/// the scope; handing them out is audited first, like any read of content.
/// </summary>
internal static class KeyRingEndpoints
{
    public static void MapKeyRings(this IEndpointRouteBuilder app)
    {
        var rings = app.MapGroup("/families/{familyId:guid}/keyrings/{scope}").WithTags("Key rings").RequireAuthorization();
        rings.MapGet("/", Get).WithSummary("The ring's current epoch and this device's wraps.");
        rings.MapGet("/recipients", RecipientsOf).WithSummary("Who may read the scope now, with the keys to wrap for.");
        rings.MapPost("/epochs", Rotate).WithSummary("Start the next epoch, wrapped for every reader.");
        rings.MapPost("/epochs/{epoch:int}/wraps", AddWraps).WithSummary("Wrap an existing epoch for a newly entitled reader (writers), or for the caller's own new device (readers).");
    }

    private static async Task<IResult> Get(Guid familyId, string scope, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (!ConsentScopes.HasKeyRing(scope) || !await ScopeExistsAsync(db, familyId, scope, ct))
        {
            return Problems.NotFound();
        }
        var check = await access.ScopeAsync(actor, familyId, scope, Permissions.Read, AuditActions.KeyRingRead, $"{scope}/keyring", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var ring = await db.KeyRings.AsNoTracking().FirstOrDefaultAsync(r => r.FamilyId == familyId && r.Scope == scope, ct);
        var device = actor.DeviceId ?? Guid.Empty;
        var wraps = await db.KeyWraps.AsNoTracking()
            .Where(w => w.FamilyId == familyId && w.Scope == scope && w.RecipientUserId == actor.UserId
                        && (w.RecipientDeviceId == device || w.RecipientDeviceId == Guid.Empty))
            .OrderBy(w => w.Epoch).ToListAsync(ct);
        return TypedResults.Ok(new KeyRingResponse(scope, ring?.CurrentEpoch ?? 0, ring?.Stale ?? false,
            wraps.Select(KeyRingService.ToInfo).ToList()));
    }

    private static async Task<IResult> RecipientsOf(Guid familyId, string scope, HttpContext http, FamilyAccess access,
        VaultDbContext db, CancellationToken ct)
    {
        if (!ConsentScopes.HasKeyRing(scope) || !await ScopeExistsAsync(db, familyId, scope, ct))
        {
            return Problems.NotFound();
        }
        var check = await access.ScopeAsync(Actor.From(http), familyId, scope, Permissions.Read, AuditActions.RecipientsRead,
            $"{scope}/recipients", ct);
        return check.Denied is { } denied
            ? denied.ToResult()
            : TypedResults.Ok(await Recipients.LoadAsync(db, await access.ReadersAsync(familyId, scope, ct), ct));
    }

    private static async Task<IResult> Rotate(Guid familyId, string scope, NewEpochRequest request, HttpContext http,
        FamilyAccess access, KeyRingService rings, VaultDbContext db, AuditLog audit, AccessNotifier notifier, TimeProvider clock,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (!ConsentScopes.HasKeyRing(scope))
        {
            return Problems.NotFound();
        }
        // Managing a ring's keys is writing to the scope: readers only ever receive wraps.
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.KeyRingRotated,
            $"{scope}/keyring", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var ring = await db.KeyRings.FirstOrDefaultAsync(r => r.FamilyId == familyId && r.Scope == scope, ct);
        if (ring is null && ConsentScopes.TryChannel(scope, out _))
        {
            return Problems.NotFound(); // a channel's ring starts with the channel
        }
        if (request.Epoch != (ring?.CurrentEpoch ?? 0) + 1)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "Another device rotated first: the next epoch is " + ((ring?.CurrentEpoch ?? 0) + 1) + ".");
        }
        var readers = await access.ReadersAsync(familyId, scope, ct);
        var recipients = await Recipients.LoadAsync(db, readers, ct);
        var (wraps, problem) = await rings.ValidateAsync(familyId, scope, request.Epoch, request.Wraps, actor, recipients, true, ct);
        if (problem is not null)
        {
            return problem.ToResult();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.KeyRingRotated, familyId, $"{scope}/keyring/{request.Epoch}", check.Purpose), ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Readers may have changed since the wraps were checked (a withdrawal committing meanwhile): under the write
        // lock, the new epoch must still be for exactly the readers of now, or it would clear a fresh staleness.
        var readersNow = await Recipients.LoadAsync(db, await access.ReadersInTransactionAsync(db, familyId, scope, ct), ct);
        if (!Recipients.RequiredWraps(readersNow).SetEquals(Recipients.RequiredWraps(recipients)))
        {
            return Problems.Result(409, ProblemTypes.IncompleteWraps, "Who may read the scope changed meanwhile: fetch the recipients again.");
        }
        var now = clock.GetUtcNow();
        if (ring is null)
        {
            db.KeyRings.Add(new KeyRing { FamilyId = familyId, Scope = scope, CurrentEpoch = request.Epoch, UpdatedAt = now });
        }
        else
        {
            ring.CurrentEpoch = request.Epoch; // a concurrency token: of two rotations to the same epoch, one wins
            ring.Stale = false;
            ring.UpdatedAt = now;
        }
        db.KeyWraps.AddRange(wraps!);
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "Another device rotated first.");
        }
        foreach (var reader in readers)
        {
            await notifier.NotifyUserAsync(reader.UserId, new AccessChange(familyId, scope, AccessChanges.Rotated), ct);
        }
        return TypedResults.Ok(new KeyRingResponse(scope, request.Epoch, false, []));
    }

    private static async Task<IResult> AddWraps(Guid familyId, string scope, int epoch, AddWrapsRequest request, HttpContext http,
        FamilyAccess access, KeyRingService rings, VaultDbContext db, AuditLog audit, AccessNotifier notifier, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (!ConsentScopes.HasKeyRing(scope))
        {
            return Problems.NotFound();
        }
        // Wrapping for others is managing the ring: writers only. A reader may wrap an epoch it was given through its
        // identity key for its own current device (one set up from the passphrase): that hands nobody anything new.
        var self = IsSelfWrap(request, actor);
        var (permission, action) = self ? (Permissions.Read, AuditActions.KeysSelfWrapped) : (Permissions.Write, AuditActions.KeysWrapped);
        var check = await access.CheckScopeAsync(actor, familyId, scope, permission, action, $"{scope}/keyring", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var ring = await db.KeyRings.AsNoTracking().FirstOrDefaultAsync(r => r.FamilyId == familyId && r.Scope == scope, ct);
        if (ring is null || epoch < 1 || epoch > ring.CurrentEpoch)
        {
            return Problems.NotFound();
        }
        if (self && !await db.KeyWraps.AnyAsync(w => w.FamilyId == familyId && w.Scope == scope && w.Epoch == epoch
                && w.RecipientUserId == actor.UserId && w.RecipientDeviceId == Guid.Empty, ct))
        {
            return await access.RefuseAsync(actor, familyId, action, $"{scope}/keyring/{epoch}",
                new Problem(403, ProblemTypes.NoConsent, "Only an epoch wrapped for your identity key can be wrapped for your device."), ct);
        }
        var recipients = await Recipients.LoadAsync(db, await access.ReadersAsync(familyId, scope, ct), ct);
        var (wraps, problem) = await rings.ValidateAsync(familyId, scope, epoch, request.Wraps, actor, recipients, false, ct);
        if (problem is not null)
        {
            return problem.ToResult();
        }
        var keys = wraps!.Select(w => new { w.RecipientUserId, w.RecipientDeviceId }).ToList();
        var existing = await db.KeyWraps.AsNoTracking().Where(w => w.FamilyId == familyId && w.Scope == scope && w.Epoch == epoch)
            .Select(w => new { w.RecipientUserId, w.RecipientDeviceId }).ToListAsync(ct);
        if (keys.Intersect(existing).Any())
        {
            return Problems.Result(409, ProblemTypes.Conflict, "A recipient already holds a wrap for this epoch.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, action, familyId, $"{scope}/keyring/{epoch}", check.Purpose), ct);
        db.KeyWraps.AddRange(wraps!);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "A recipient already holds a wrap for this epoch.");
        }
        foreach (var user in wraps!.Select(w => w.RecipientUserId).Distinct())
        {
            await notifier.NotifyUserAsync(user, new AccessChange(familyId, scope, AccessChanges.Keys), ct);
        }
        return TypedResults.NoContent();
    }

    /// <summary>Every wrap is for the caller's own current device (at most one per epoch: a recipient appears once).</summary>
    private static bool IsSelfWrap(AddWrapsRequest? request, Actor actor) =>
        actor.DeviceId is { } device && request?.Wraps is { Count: > 0 } wraps
        && wraps.All(w => w is not null && w.RecipientUserId == actor.UserId && w.RecipientDeviceId == device);

    /// <summary>A channel's scope exists only with the channel, in its own family; other scopes always exist.</summary>
    private static async Task<bool> ScopeExistsAsync(VaultDbContext db, Guid familyId, string scope, CancellationToken ct) =>
        !ConsentScopes.TryChannel(scope, out var channelId) || await db.Channels.AnyAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
}
