using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Retention;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Retention;

/// <summary>The privacy officer's view of one family's retention: dates, counts and the hold; never content.</summary>
internal static class RetentionEndpoints
{
    private const int PurgesShown = 50;

    public static async Task<IResult> StateAsync(Guid familyId, HttpContext http, AuditLog audit, VaultDbContext db,
        IOptions<VaultOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.RetentionRead, $"retention/{familyId}", ct) is { } refused)
        {
            return refused;
        }
        var family = await db.Families.AsNoTracking().SingleOrDefaultAsync(f => f.Id == familyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RetentionRead, familyId, "retention"), ct);

        var policy = options.Value.Retention;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var held = RetentionJob.HoldInForce(family.LegalHoldGround, family.LegalHoldUntil, today);
        RetentionClockDto Clock(string name, string part, int years)
        {
            var runsOut = family.EndedOn?.AddYears(years);
            var status = runsOut is not { } day ? RetentionStatus.NotStarted
                : day > today ? RetentionStatus.Running
                : held ? RetentionStatus.Held : RetentionStatus.Expired;
            return new RetentionClockDto(name, part, years, runsOut, status);
        }

        var clocks = new List<RetentionClockDto> { Clock(RetentionClocks.Content, "family", policy.ContentYearsAfterEnd) };
        clocks.AddRange(ConsentScopes.DocumentCategories.Select(c => Clock(RetentionClocks.Category, c, policy.YearsFor(c))));
        clocks.Add(Clock(RetentionClocks.Channels, "messages", policy.ChannelYearsAfterEnd ?? policy.ContentYearsAfterEnd));
        clocks.Add(await AuditClockAsync(db, familyId, policy.AuditYears, today, ct));

        var purged = await db.AuditEntries.AsNoTracking()
            .Where(e => e.FamilyId == familyId && RetentionAudit.Actions.Contains(e.Action) && e.Allowed)
            .OrderByDescending(e => e.Index).Take(PurgesShown).ToListAsync(ct);
        var hold = family.LegalHoldGround is null && family.LegalHoldUntil is null
            ? null : new LegalHoldDto(family.LegalHoldGround, family.LegalHoldUntil, held);
        return TypedResults.Ok(new RetentionStateResponse(family.Id, family.Status, family.EndedOn, hold, family.ErasingSince is not null,
            clocks, purged.Select(RetentionAudit.Read).OfType<RetentionPurgeDto>().ToList()));
    }

    /// <summary>The audit clock runs per entry: it next runs out for the family's oldest entry that still has its fields.</summary>
    private static async Task<RetentionClockDto> AuditClockAsync(VaultDbContext db, Guid familyId, int years, DateOnly today,
        CancellationToken ct)
    {
        var oldest = await db.AuditEntries.Where(e => e.FamilyId == familyId && e.Salt != null).MinAsync(e => (long?)e.TimeUnixMs, ct);
        var runsOut = oldest is { } ms
            ? DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.AddYears(years))
            : (DateOnly?)null;
        var status = runsOut is not { } day ? RetentionStatus.NotStarted : day > today ? RetentionStatus.Running : RetentionStatus.Expired;
        return new RetentionClockDto(RetentionClocks.Audit, "entries", years, runsOut, status);
    }
}
