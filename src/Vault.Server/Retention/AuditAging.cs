using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Retention;
using Vault.Server.Audit;
using Vault.Server.Data;

namespace Vault.Server.Retention;

/// <summary>
/// The audit clock: entries written before the cutoff lose their personal fields (AuditErasure, keeping the family
/// link), so the Merkle tree and every proof stay valid. Counted and audited per family first, then erased in index
/// ranges, one statement each; an entry whose salt is gone is done, so a round cut short resumes where it stopped.
/// </summary>
internal static class AuditAging
{
    public static async Task<int> EraseAsync(VaultDbContext db, AuditLog audit, DateTimeOffset cutoff, RetentionPolicy policy,
        CancellationToken ct)
    {
        var before = cutoff.ToUnixTimeMilliseconds();
        var due = db.AuditEntries.Where(e => e.TimeUnixMs < before && e.Salt != null);
        var perFamily = await due.GroupBy(e => e.FamilyId).Select(g => new { FamilyId = g.Key, Count = g.LongCount() }).ToListAsync(ct);
        if (perFamily.Count == 0)
        {
            return 0;
        }
        await audit.AppendManyAsync(perFamily.OrderBy(f => f.FamilyId).Select(f => RetentionAudit.Purged(AuditActions.RetentionAuditErased,
            f.FamilyId, RetentionClocks.Audit, "entries", f.Count, $"audit entries kept {policy.AuditYears} years")).ToList(), ct);

        var erased = 0;
        var done = -1L; // every due entry up to here is erased: the next batch starts after it, not at the log's start
        while (true)
        {
            // The last index of the next batch: batches follow the log's order, so each is one index range.
            var next = due.Where(e => e.Index > done);
            var last = await next.OrderBy(e => e.Index).Select(e => (long?)e.Index).Skip(policy.BatchSize - 1).FirstOrDefaultAsync(ct)
                ?? await next.MaxAsync(e => (long?)e.Index, ct);
            if (last is not { } through)
            {
                return erased;
            }
            erased += await AuditErasure.EraseAsync(next.Where(e => e.Index <= through), keepFamilyLink: true, ct);
            done = through;
        }
    }
}
