using Vault.Contracts;
using Vault.Contracts.Retention;

namespace Vault.Server.Tests;

/// <summary>The retention row: the privacy officer reads any family's retention state; every other role is refused.</summary>
internal static partial class Matrix
{
    private static IEnumerable<Row> RetentionRows() =>
    [
        new("GET", "/privacy/families/{familyId:guid}/retention", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c))),
            Check = Json<RetentionStateResponse>((c, _, s) => s.FamilyId == c.World.FamilyId && s.Clocks.Count == 8),
        },
    ];
}
