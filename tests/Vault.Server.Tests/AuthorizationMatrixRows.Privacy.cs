using Vault.Contracts;
using Vault.Contracts.Privacy;

namespace Vault.Server.Tests;

/// <summary>
/// The privacy officer's rows: account level (one caller per role and the outsiders), the officer alone allowed, each
/// answer checked to be about the families asked for.
/// </summary>
internal static partial class Matrix
{
    private static Rule OfficerOnly => RolesOnly(Roles.PrivacyOfficer);

    private static IEnumerable<Row> PrivacyRows() =>
    [
        new("GET", "/privacy/audit", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req($"{t}?family={c.World.FamilyId}&action=message.*&limit=5")),
            Check = Json<PrivacyAuditPage>((c, _, page) => page.Entries.Count is > 0 and <= 5
                && (page.NextAfter is null || page.NextAfter == page.Entries[^1].Index)
                && page.Entries.All(e => e.FamilyId == c.World.FamilyId && e.Action.StartsWith("message.", StringComparison.Ordinal))),
        },
        new("GET", "/privacy/families", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<List<PrivacyFamilySummary>>((c, _, list) => list.Any(f => f.Id == c.F.A.FamilyId && f.Members > 10)
                && list.Any(f => f.Id == c.F.B.FamilyId)),
        },
        new("GET", "/privacy/families/{familyId:guid}", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c))),
            Check = Json<PrivacyFamilyDetail>((c, _, d) => d.Family.Id == c.World.FamilyId && d.Memberships.Count > 10
                && d.Grants.Count > 0 && d.Memberships.Any(m => m.RemovedAt is not null)),
        },
        new("GET", "/privacy/reports/unusual", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<UnusualAccessReport>((_, _, r) => r.To > r.From && r.RefusedThreshold > 0),
        },
    ];
}
