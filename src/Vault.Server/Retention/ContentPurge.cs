using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Retention;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Documents;
using Vault.Server.Storage;

namespace Vault.Server.Retention;

/// <summary>
/// The content clocks shorter than the family's own: a document category's (every version and unfinished upload of
/// its documents, the trash too) and the channels' (every message of the family). A part is audited with its count
/// before it goes, then deleted batch by batch: a batch's objects first (deleting a missing one is no error), then its
/// rows in one transaction, so a failure between leaves rows whose objects may be gone (done next round), never an
/// object no row names.
/// </summary>
internal sealed class ContentPurge(VaultDbContext db, AuditLog audit, IBlobStore store, RetentionPolicy policy)
{
    public async Task<(int Documents, int Messages, IReadOnlyList<Guid> Held)> RunAsync(DateOnly today, CancellationToken ct)
    {
        var categories = policy.ShorterCategories.ToList();
        var clocks = categories.Select(c => c.Value).Append(policy.ChannelYearsAfterEnd ?? int.MaxValue).ToList();
        var shortest = clocks.Min();
        if (shortest == int.MaxValue)
        {
            return (0, 0, []);
        }
        var endedBy = today.AddYears(-shortest);
        // Erasures take whole families (and their content) apart themselves.
        var ended = await db.Families.AsNoTracking().Where(f => f.EndedOn != null && f.EndedOn <= endedBy && f.ErasingSince == null)
            .OrderBy(f => f.EndedOn).Select(f => new { f.Id, EndedOn = f.EndedOn!.Value, f.LegalHoldGround, f.LegalHoldUntil }).ToListAsync(ct);
        var (documents, messages, held) = (0, 0, new List<Guid>());
        foreach (var family in ended)
        {
            if (RetentionJob.HoldInForce(family.LegalHoldGround, family.LegalHoldUntil, today))
            {
                held.Add(family.Id);
                continue;
            }
            foreach (var (category, years) in categories.Where(c => family.EndedOn.AddYears(c.Value) <= today))
            {
                documents += await PurgeCategoryAsync(family.Id, category, years, ct);
            }
            if (policy.ChannelYearsAfterEnd is { } channelYears && family.EndedOn.AddYears(channelYears) <= today)
            {
                messages += await PurgeMessagesAsync(family.Id, channelYears, ct);
            }
        }
        return (documents, messages, held);
    }

    private async Task<int> PurgeCategoryAsync(Guid familyId, string category, int years, CancellationToken ct)
    {
        var documents = db.Documents.Where(d => d.FamilyId == familyId && d.Category == category);
        var count = await documents.CountAsync(ct);
        if (count == 0)
        {
            return 0;
        }
        await audit.AppendAsync(RetentionAudit.Purged(AuditActions.RetentionDocumentsPurged, familyId, RetentionClocks.Category, category,
            count, $"documents of category {category} kept {years} years after the traject ended"), ct);
        var purged = 0;
        while (await documents.OrderBy(d => d.Id).Select(d => d.Id).Take(policy.BatchSize).ToListAsync(ct) is { Count: > 0 } batch)
        {
            var uploads = db.DocumentUploads.Where(u => batch.Contains(u.DocumentId));
            var segments = db.UploadSegments.Where(s => uploads.Select(u => u.Id).Contains(s.UploadId));
            foreach (var key in (await segments.AsNoTracking().ToListAsync(ct)).Select(s => s.Key))
            {
                await store.DeleteAsync(key, ct);
            }
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await segments.ExecuteDeleteAsync(ct);
            await uploads.ExecuteDeleteAsync(ct);
            await db.DocumentVersions.Where(v => batch.Contains(v.DocumentId)).ExecuteDeleteAsync(ct);
            purged += await db.Documents.Where(d => batch.Contains(d.Id)).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
        }
        return purged;
    }

    private async Task<int> PurgeMessagesAsync(Guid familyId, int years, CancellationToken ct)
    {
        // Through the family's channels: the messages' key starts with the channel (FamilyId on a message has no index).
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).Select(c => c.Id).ToListAsync(ct);
        var messages = db.Messages.Where(m => channels.Contains(m.ChannelId));
        var count = await messages.CountAsync(ct);
        if (count == 0)
        {
            return 0;
        }
        await audit.AppendAsync(RetentionAudit.Purged(AuditActions.RetentionMessagesPurged, familyId, RetentionClocks.Channels, "messages",
            count, $"messages kept {years} years after the traject ended"), ct);
        var purged = 0;
        while (await messages.OrderBy(m => m.ChannelId).ThenBy(m => m.Seq).Select(m => new { m.ChannelId, m.Seq })
                   .Take(policy.BatchSize).ToListAsync(ct) is { Count: > 0 } batch)
        {
            // Ordered by channel, then sequence: each channel's share of the batch is its oldest messages up to a sequence number.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            foreach (var channel in batch.GroupBy(m => m.ChannelId))
            {
                var last = channel.Max(m => m.Seq);
                purged += await db.Messages.Where(m => m.ChannelId == channel.Key && m.Seq <= last).ExecuteDeleteAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        return purged;
    }
}
