using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Retention;

/// <summary>What one round did: rows purged per clock, and the families it left alone (held) or left to the erasure engine.</summary>
public sealed record RetentionRound(int Documents, int Messages, int AuditEntries, IReadOnlyList<Guid> Held, IReadOnlyList<Guid> DueForErasure);

/// <summary>
/// The retention clocks at work (see RetentionPolicy): audit entries past AuditYears lose their personal fields;
/// documents of a category with a shorter clock, and a family's messages, go once that long has passed since the
/// traject ended — unless a legal hold is in force. Families whose whole content clock ran out are handed to the
/// erasure engine, not purged here. Every part is audited before it goes (fail closed), then deleted in batches that
/// are each whole: objects before the rows that name them, rows in one transaction. A round cut short leaves only work
/// for the next one (whose audit entry then counts what was left).
/// </summary>
public sealed class RetentionJob(IServiceScopeFactory scopes, IOptions<VaultOptions> options, TimeProvider clock,
    ILogger<RetentionJob> logger) : PeriodicWork(clock, logger)
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private RetentionPolicy Policy => options.Value.Retention;

    protected override TimeSpan Interval => Policy.Interval;

    protected override Task RunOnceAsync(CancellationToken ct) => RunRoundAsync(ct);

    /// <summary>
    /// Families whose content clock ran out are erased as a request would erase them (reason "retention"): audited first,
    /// then taken (one node wins), then run to their signed receipt; a crash leaves them to ErasureRunner at the next start.
    /// </summary>
    private async Task EraseAsync(IServiceProvider services, AuditLog audit, IReadOnlyList<Guid> due, CancellationToken ct)
    {
        var erasure = services.GetRequiredService<DataSubject.FamilyErasure>();
        var runner = services.GetRequiredService<DataSubject.ErasureRunner>();
        foreach (var familyId in due)
        {
            await audit.AppendAsync(AuditEvent.For(Actor.System, AuditActions.ErasureStarted, familyId, "retention",
                $"content clock: {Policy.ContentYearsAfterEnd} years after the traject ended"), ct);
            if (await erasure.BeginAsync(familyId, null, DataSubject.ErasureReasons.Retention, ct) is { } erasureId)
            {
                await runner.RunAsync(erasureId, ct);
            }
        }
    }

    /// <summary>One round, by the clock's today; rounds never overlap (the timer's and a test's or an operator's).</summary>
    public async Task<RetentionRound> RunRoundAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
            var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
            var store = scope.ServiceProvider.GetRequiredService<IBlobStore>();
            var now = Clock.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);

            var erased = await AuditAging.EraseAsync(db, audit, now.AddYears(-Policy.AuditYears), Policy, ct);
            var purge = new ContentPurge(db, audit, store, Policy);
            var (documents, messages, held) = await purge.RunAsync(today, ct);

            var due = await FamiliesDueForErasureAsync(db, today, ct);
            await EraseAsync(scope.ServiceProvider, audit, due, ct);
            return new RetentionRound(documents, messages, erased, held, due);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Families whose content clock ran out: ended ContentYearsAfterEnd or more years ago, no legal hold in force, and
    /// no erasure begun. The erasure engine takes them from here.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> FamiliesDueForErasureAsync(VaultDbContext db, DateOnly today, CancellationToken ct)
    {
        var endedBy = today.AddYears(-Policy.ContentYearsAfterEnd);
        var ended = await db.Families.AsNoTracking()
            .Where(f => f.EndedOn != null && f.EndedOn <= endedBy && f.ErasingSince == null)
            .OrderBy(f => f.EndedOn).Select(f => new { f.Id, f.LegalHoldGround, f.LegalHoldUntil }).ToListAsync(ct);
        return ended.Where(f => !HoldInForce(f.LegalHoldGround, f.LegalHoldUntil, today)).Select(f => f.Id).ToList();
    }

    /// <summary>A legal hold is in force when its ground is recorded and its end, if any, is today or later (as erasure reads it).</summary>
    public static bool HoldInForce(string? ground, DateOnly? until, DateOnly today) =>
        ground is not null && (until is null || until >= today);
}
