using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Server.Data;

namespace Vault.Server.Audit;

/// <summary>
/// A child with its own account sees its part of the family's trail: its own actions, and what others did to what
/// concerns it — channels about it, grants about it or held by it, its membership. The rest stays the guardians'.
/// Decided here, server-side, so the rest never reaches the child's device; the page says it is partial, so the SDK
/// checks order and proofs but cannot check that no family sequence number is missing.
/// </summary>
internal static class ChildAuditView
{
    private const int Chunk = 500;

    public static async Task<(List<AuditEntry> Entries, bool More)> PageAsync(VaultDbContext db, Guid familyId, Guid childId,
        long afterSeq, int limit, long treeSize, CancellationToken ct)
    {
        var concerns = await ConcernsAsync(db, familyId, childId, ct);
        var found = new List<AuditEntry>();
        var from = afterSeq;
        while (true)
        {
            // Scanned in chunks of the family's order: memory stays one chunk however long the family's trail is.
            var chunk = await db.AuditEntries.AsNoTracking()
                .Where(e => e.FamilyId == familyId && e.FamilySeq > from && e.Index < treeSize)
                .OrderBy(e => e.FamilySeq).Take(Chunk).ToListAsync(ct);
            foreach (var entry in chunk.Where(concerns))
            {
                found.Add(entry);
                if (found.Count > limit)
                {
                    return (found.GetRange(0, limit), true);
                }
            }
            if (chunk.Count < Chunk)
            {
                return (found, false);
            }
            from = chunk[^1].FamilySeq;
        }
    }

    private static async Task<Func<AuditEntry, bool>> ConcernsAsync(VaultDbContext db, Guid familyId, Guid childId, CancellationToken ct)
    {
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId && c.SubjectUserId == childId)
            .Select(c => c.Id).ToListAsync(ct);
        var grants = await db.Grants.AsNoTracking()
            .Where(g => g.FamilyId == familyId && (g.SubjectUserId == childId || g.GranteeUserId == childId))
            .Select(g => g.Id).ToListAsync(ct);
        // Resources name scopes ("channel:{id}/messages/1-3"), grants ("grant:{id}/{scope}") and members ("members/{id}").
        var marks = channels.Select(ConsentScopes.Channel).Concat(grants.Select(g => $"grant:{g}"))
            .Append($"{ConsentScopes.Members}/{childId}").ToList();
        return e => e.ActorUserId == childId
            || (e.Resource is { } resource && marks.Exists(m => resource.Contains(m, StringComparison.Ordinal)));
    }
}
