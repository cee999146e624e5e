using Microsoft.EntityFrameworkCore;
using Vault.Server.Data;

namespace Vault.Server.Keys;

/// <summary>
/// Marks rings whose current epoch key someone has lost the right to: the server then refuses writes under that
/// epoch until a client rotates (the SDK does so by itself).
/// </summary>
public static class KeyRingStaleness
{
    public static Task<int> ScopeAsync(VaultDbContext db, Guid familyId, string scope, CancellationToken ct) =>
        db.KeyRings.Where(r => r.FamilyId == familyId && r.Scope == scope)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.Stale, true), ct);

    /// <summary>Every ring of the family whose current epoch was wrapped for this user (a removed member).</summary>
    public static Task<int> UserAsync(VaultDbContext db, Guid familyId, Guid userId, CancellationToken ct) =>
        db.KeyRings.Where(r => r.FamilyId == familyId && db.KeyWraps.Any(w => w.FamilyId == r.FamilyId && w.Scope == r.Scope
                && w.Epoch == r.CurrentEpoch && w.RecipientUserId == userId))
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.Stale, true), ct);

    /// <summary>
    /// Every ring whose current epoch the revoked device could open: wrapped for the device itself, or for its user's
    /// identity key (every device of the user holds the identity secret once signed in with the passphrase).
    /// </summary>
    public static Task<int> DeviceAsync(VaultDbContext db, Guid deviceId, Guid userId, CancellationToken ct) =>
        db.KeyRings.Where(r => db.KeyWraps.Any(w => w.FamilyId == r.FamilyId && w.Scope == r.Scope && w.Epoch == r.CurrentEpoch
                && (w.RecipientDeviceId == deviceId || (w.RecipientUserId == userId && w.RecipientDeviceId == Guid.Empty))))
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.Stale, true), ct);
}
