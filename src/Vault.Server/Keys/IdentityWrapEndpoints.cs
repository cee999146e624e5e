using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.KeyRings;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Keys;

/// <summary>
/// History for a device set up from the passphrase: every epoch was wrapped for each reader's identity key too, but a
/// device that did not exist then holds no wrap of it. While it has the identity keys in memory, the device fetches
/// these identity wraps here, opens them and wraps each again for itself (a self-wrap, POST .../wraps), so it reads
/// history afterwards without the identity secret ever being stored. Only scopes the caller may read now are served,
/// and each is audited as a key-ring read first.
/// </summary>
internal static class IdentityWrapEndpoints
{
    public static void MapIdentityWraps(this IEndpointRouteBuilder app) =>
        app.MapGet("/account/identity-wraps", List).RequireAuthorization().WithTags("Key rings")
            .WithSummary("Epoch keys wrapped for your identity key that this device holds no wrap of, in every scope you may read now.");

    private static async Task<IResult> List(HttpContext http, FamilyAccess access, VaultDbContext db, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var device = actor.DeviceId ?? Guid.Empty; // the default policy admits device-bound tokens only
        var families = db.Memberships.Where(m => m.UserId == actor.UserId && m.RemovedAt == null).Select(m => m.FamilyId);
        var wraps = await db.KeyWraps.AsNoTracking()
            .Where(w => w.RecipientUserId == actor.UserId && w.RecipientDeviceId == Guid.Empty && families.Contains(w.FamilyId)
                && !db.KeyWraps.Any(d => d.FamilyId == w.FamilyId && d.Scope == w.Scope && d.Epoch == w.Epoch
                    && d.RecipientUserId == w.RecipientUserId && d.RecipientDeviceId == device))
            .ToListAsync(ct);
        var result = new List<IdentityWrapsResponse>();
        foreach (var scope in wraps.GroupBy(w => (w.FamilyId, w.Scope)).OrderBy(g => g.Key.FamilyId).ThenBy(g => g.Key.Scope, StringComparer.Ordinal))
        {
            var (familyId, name) = scope.Key;
            // Not readable now (a grant withdrawn or lapsed): withheld without a refusal, the caller asked for no scope.
            if (!ConsentScopes.HasKeyRing(name) || !await access.CanAsync(actor.UserId, familyId, name, Permissions.Read, ct))
            {
                continue;
            }
            var check = await access.ScopeAsync(actor, familyId, name, Permissions.Read, AuditActions.KeyRingRead, $"{name}/keyring", ct);
            if (check.Denied is null)
            {
                result.Add(new IdentityWrapsResponse(familyId, name, scope.OrderBy(w => w.Epoch).Select(KeyRingService.ToInfo).ToList()));
            }
        }
        return TypedResults.Ok(result);
    }
}
