using Vault.Client;
using Vault.Contracts.Privacy;

namespace Vault.Cli;

/// <summary>`vault privacy ...`: the privacy officer's queries. Every one is audited by the server before it answers.</summary>
internal sealed partial class Context
{
    public async Task<int> PrivacyAudit(Guid? family, Guid? actor, string? action, DateOnly? since, DateOnly? until, string? csv, bool json)
    {
        var (_, client) = await SignedIn();
        var query = new PrivacyAuditQuery(family, actor, action, Day(since), Day(until?.AddDays(1)));
        if (csv is not null)
        {
            var path = Path.GetFullPath(csv);
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await client.PrivacyAuditCsvAsync(query, file);
            }
            stdout.WriteLine($"Wrote the matching entries to {path}.");
            return 0;
        }
        var entries = new List<PrivacyAuditEntry>();
        await foreach (var e in client.PrivacyAuditAsync(query))
        {
            entries.Add(e);
        }
        if (json)
        {
            WriteJson(entries);
            return 0;
        }
        Table([Say("ENTRY", "REGEL"), Say("TIME (UTC)", "TIJD (UTC)"), Say("ALLOWED", "TOEGESTAAN"), Say("ACTION", "ACTIE"), Say("ACTOR", "DOOR"),
                Say("ROLE", "ROL"), Say("FAMILY", "GEZIN"), Say("RESOURCE", "BRON")],
            entries.Select(e => new[]
            {
                $"#{e.Index}", e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                e.Allowed ? Say("allowed", "ja") : Say("REFUSED", "GEWEIGERD"), e.Action, e.ActorUserId?.ToString() ?? "-",
                e.ActorRole ?? Say("erased", "gewist"), e.FamilyId?.ToString() ?? "-",
                $"{e.Resource}{(string.IsNullOrEmpty(e.Purpose) ? "" : Say("  purpose: ", "  doel: ") + e.Purpose)}",
            }));
        stdout.WriteLine(Count(entries.Count, "entry", "entries", "regel", "regels") + ".");
        return 0;
    }

    public async Task<int> PrivacyFamilies(bool json)
    {
        var (_, client) = await SignedIn();
        var families = await client.PrivacyFamiliesAsync();
        if (json)
        {
            WriteJson(families);
            return 0;
        }
        Table([Say("ID", "ID"), Say("REFERENCE", "REFERENTIE"), Say("GEMEENTE", "GEMEENTE"), Say("TRAJECT", "TRAJECT"), Say("FROM", "VAN"),
                Say("PLANNED END", "GEPLAND EINDE"), Say("MEMBERS", "LEDEN"), Say("GRANTS IN FORCE", "GELDENDE TOESTEMMINGEN")],
            families.Select(f => new[]
            {
                f.Id.ToString(), f.Reference, f.Gemeente, f.Status, Iso(f.TrajectStart), f.PlannedEnd is { } end ? Iso(end) : Say("open", "open"),
                f.Members.ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.GrantsInForce.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
        return 0;
    }

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<int> PrivacyFamily(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        var d = await client.PrivacyFamilyAsync(familyId);
        if (json)
        {
            WriteJson(d);
            return 0;
        }
        var f = d.Family;
        stdout.WriteLine($"Family {f.Id} ({Safe(f.Reference)}), {f.Gemeente}, traject {f.Status} from {f.TrajectStart:yyyy-MM-dd}.");
        stdout.WriteLine(Say("Memberships:", "Lidmaatschappen:"));
        Table([Say("ID", "ID"), Say("USERNAME", "GEBRUIKERSNAAM"), Say("ROLE", "ROL"), Say("JOINED", "LID SINDS"), Say("REMOVED", "VERWIJDERD")],
            d.Memberships.Select(m => new[]
            {
                m.UserId.ToString(), m.Username ?? "?", m.Role, OnDay(m.JoinedAt), m.RemovedAt is { } removed ? OnDay(removed) : "-",
            }));
        var names = d.Memberships.GroupBy(m => m.UserId).ToDictionary(g => g.Key, g => g.First().Username);
        stdout.WriteLine(Say("Grants:", "Toestemmingen:"));
        Table([Say("ID", "ID"), Say("STATUS", "STATUS"), Say("GRANTEE", "ONTVANGER"), Say("PERMISSION", "RECHT"), Say("SCOPE", "OMVANG"),
                Say("FROM", "VAN"), Say("UNTIL", "TOT"), Say("PURPOSE; BASIS", "DOEL; GROND"), Say("WITHDRAWN", "INGETROKKEN")],
            d.Grants.Select(g => new[]
            {
                g.GrantId.ToString(), g.Status, Who.Of(g.GranteeUserId, names).Name, g.Permission, g.Scope, OnDay(g.ValidFrom),
                g.ValidUntil is { } u ? OnDay(u) : Say("until withdrawn", "tot intrekking"), $"{g.Purpose}; {g.LegalBasis}",
                g.WithdrawnAt is { } w ? OnDay(w) + (g.WithdrawalReason is null ? "" : $" ({g.WithdrawalReason})") : "-",
            }));
        return 0;
    }

    public async Task<int> PrivacyReport(DateOnly? since, DateOnly? until, bool json)
    {
        var (_, client) = await SignedIn();
        var report = await client.UnusualAccessReportAsync(Day(since), Day(until?.AddDays(1)));
        if (json)
        {
            WriteJson(report);
            return 0;
        }
        var (from, to) = (AtMinute(report.From), AtMinute(report.To));
        var found = report.Findings.Count == 0 ? Say("nothing found", "niets gevonden")
            : Count(report.Findings.Count, "finding", "findings", "bevinding", "bevindingen");
        stdout.WriteLine(Say($"Unusual access {from} to {to} UTC: {found}.", $"Ongebruikelijke toegang {from} tot {to} UTC: {found}."));
        foreach (var finding in report.Findings)
        {
            stdout.WriteLine($"{finding.Kind}: account {finding.ActorUserId?.ToString() ?? "-"}" +
                (finding.FamilyId is { } fam ? $", family {fam}" : "") + $" — {finding.Summary}");
            foreach (var e in finding.Entries)
            {
                stdout.WriteLine($"    #{e.Index,-7} {e.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(e.Allowed ? "allowed" : "REFUSED"),-8} {e.Action,-26} " +
                    Safe(e.Resource ?? ""));
            }
        }
        return 0;
    }
}
