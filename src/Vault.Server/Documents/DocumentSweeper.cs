using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>
/// Frees what no one can reach any more: uploads past their expiry that were never completed, and documents whose
/// time in the trash is over. Objects go first, then the rows that name them, so a sweep cut short (a crash, the
/// store down) leaves rows to finish from next time, never an object the database has forgotten. Audited per family.
/// </summary>
public sealed class DocumentSweeper(IServiceScopeFactory scopes, IOptions<VaultOptions> options, TimeProvider clock,
    ILogger<DocumentSweeper> logger) : PeriodicWork(clock, logger)
{
    private readonly SemaphoreSlim gate = new(1, 1);

    protected override TimeSpan Interval => TimeSpan.FromMinutes(10);

    protected override Task RunOnceAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>One sweep; returns how many uploads and documents it removed.</summary>
    public async Task<(int Uploads, int Documents)> SweepAsync(CancellationToken ct)
    {
        // One sweep at a time (the timer's and an operator's): two would audit the same removal twice.
        await gate.WaitAsync(ct);
        try
        {
            return await SweepOnceAsync(ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(int Uploads, int Documents)> SweepOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var store = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        var now = Clock.GetUtcNow();

        var expired = await db.DocumentUploads.AsNoTracking().Where(u => u.CompletedAt == null && u.ExpiresAt <= now).ToListAsync(ct);
        foreach (var family in expired.GroupBy(u => u.FamilyId))
        {
            await audit.AppendManyAsync(family.Select(u => AuditEvent.For(Actor.System, AuditActions.DocumentUploadExpired, family.Key,
                $"{ConsentScopes.Documents(u.Category)}/{u.DocumentId}/uploads/{u.Id}", "upload expired unfinished")).ToList(), ct);
            await UploadSegments.DeleteUploadsAsync(db, store, family.Select(u => u.Id).ToList(), ct);
        }

        var cutoff = now.AddDays(-options.Value.Documents.TrashRetentionDays);
        var purged = await db.Documents.AsNoTracking().Where(d => d.DeletedAt != null && d.DeletedAt <= cutoff).ToListAsync(ct);
        foreach (var document in purged)
        {
            await audit.AppendAsync(AuditEvent.For(Actor.System, AuditActions.DocumentPurged, document.FamilyId,
                $"{ConsentScopes.Documents(document.Category)}/{document.Id}", $"trash retention {options.Value.Documents.TrashRetentionDays} days"), ct);
            var uploads = await db.DocumentUploads.AsNoTracking().Where(u => u.DocumentId == document.Id).Select(u => u.Id).ToListAsync(ct);
            await UploadSegments.DeleteUploadsAsync(db, store, uploads, ct);
            await db.DocumentVersions.Where(v => v.DocumentId == document.Id).ExecuteDeleteAsync(ct);
            await db.Documents.Where(d => d.Id == document.Id).ExecuteDeleteAsync(ct);
        }
        return (expired.Count, purged.Count);
    }
}
