using Microsoft.EntityFrameworkCore;
using Vault.Server.Data;

namespace Vault.Server.Documents;

/// <summary>What a family stores: every version (the trash included) and every unfinished upload's full length.</summary>
internal static class DocumentQuota
{
    public static async Task<long> UsedAsync(VaultDbContext db, Guid familyId, DateTimeOffset now, CancellationToken ct)
    {
        var versions = await db.DocumentVersions.Where(v => v.FamilyId == familyId).SumAsync(v => (long?)v.Size, ct) ?? 0;
        var open = await db.DocumentUploads.Where(u => u.FamilyId == familyId && u.CompletedAt == null && u.ExpiresAt > now)
            .SumAsync(u => (long?)u.Length, ct) ?? 0;
        return versions + open;
    }
}
