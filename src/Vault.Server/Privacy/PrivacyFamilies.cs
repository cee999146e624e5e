using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Privacy;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.Privacy;

/// <summary>
/// `GET /privacy/families` and `/privacy/families/{id}`: traject, memberships and grants as metadata. Deliberately
/// never reads channels, messages, documents, key rings or signatures: what is not loaded cannot leak.
/// </summary>
internal static class PrivacyFamilies
{
    public static async Task<IResult> ListAsync(HttpContext http, AuditLog audit, VaultDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var caller = Actor.From(http);
        if (await PrivacyModule.RefuseNonOfficerAsync(caller, audit, AuditActions.PrivacyFamiliesListed, "privacy/families", ct) is { } refused)
        {
            return refused;
        }
        await audit.AppendAsync(AuditEvent.For(caller, AuditActions.PrivacyFamiliesListed, null, "privacy/families"), ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var members = await db.Memberships.AsNoTracking().Where(m => m.RemovedAt == null).GroupBy(m => m.FamilyId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var grants = await InForce(db.Grants.AsNoTracking(), now).GroupBy(g => g.FamilyId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var families = await db.Families.AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(families.OrderBy(f => f.CreatedAt).ThenBy(f => f.Id)
            .Select(f => Summary(f, members.GetValueOrDefault(f.Id), grants.GetValueOrDefault(f.Id))).ToList());
    }

    public static async Task<IResult> DetailAsync(Guid familyId, HttpContext http, AuditLog audit, VaultDbContext db, GrantService grants,
        TimeProvider clock, CancellationToken ct)
    {
        var caller = Actor.From(http);
        var resource = $"privacy/families/{familyId}";
        if (await PrivacyModule.RefuseNonOfficerAsync(caller, audit, AuditActions.PrivacyFamilyRead, resource, ct) is { } refused)
        {
            return refused;
        }
        var family = await db.Families.AsNoTracking().SingleOrDefaultAsync(f => f.Id == familyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        // In the family's own trail too: the family sees that the privacy officer looked at its file.
        await audit.AppendAsync(AuditEvent.For(caller, AuditActions.PrivacyFamilyRead, familyId, resource), ct);
        var memberships = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId)
            .Join(db.Users.AsNoTracking(), m => m.UserId, u => u.Id, (m, u) => new { m, u.UserName }).ToListAsync(ct);
        var all = await db.Grants.AsNoTracking().Where(g => g.FamilyId == familyId).ToListAsync(ct);
        var signers = await db.GrantSignatures.AsNoTracking().Where(s => all.Select(g => g.Id).Contains(s.GrantId))
            .Select(s => new { s.GrantId, s.SignerUserId }).ToListAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var inForce = all.Count(g => g.IsInForce(now));
        return TypedResults.Ok(new PrivacyFamilyDetail(
            Summary(family, memberships.Count(x => x.m.RemovedAt is null), inForce),
            memberships.OrderBy(x => x.m.JoinedAt).Select(x => new PrivacyMembership(x.m.UserId, x.UserName, x.m.Role, x.m.JoinedAt,
                x.m.RemovedAt, x.m.InvitedBy)).ToList(),
            all.OrderBy(g => g.CreatedAt).Select(g => new PrivacyGrant(g.Id, g.GranteeUserId, g.SubjectUserId, g.Scope, g.Permission,
                g.Purpose, g.LegalBasis, DateTimeOffset.FromUnixTimeMilliseconds(g.ValidFromUnixMs),
                g.ValidUntilUnixMs == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(g.ValidUntilUnixMs), grants.Status(g), g.CreatedAt,
                g.ActivatedAt, g.WithdrawnAt, g.WithdrawnBy, g.WithdrawalReason,
                signers.Where(s => s.GrantId == g.Id).Select(s => s.SignerUserId).Distinct().ToList())).ToList()));
    }

    /// <summary>GrantWindow and Grant.IsInForce, spelled out for the database.</summary>
    private static IQueryable<Grant> InForce(IQueryable<Grant> grants, long now) => grants.Where(g =>
        g.ActivatedAt != null && g.WithdrawnAt == null && g.ValidFromUnixMs <= now && (g.ValidUntilUnixMs == 0 || g.ValidUntilUnixMs > now));

    private static PrivacyFamilySummary Summary(Family f, int members, int grantsInForce) => new(f.Id, f.Reference, f.Gemeente, f.Status,
        f.TrajectStart, f.PlannedEnd, f.CreatedAt, f.LastActivity, members, grantsInForce);
}
