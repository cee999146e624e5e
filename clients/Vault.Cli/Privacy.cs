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
        foreach (var e in entries)
        {
            stdout.WriteLine($"#{e.Index,-7} {e.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(e.Allowed ? "allowed" : "REFUSED"),-8} {e.Action,-26} " +
                $"{e.ActorUserId?.ToString() ?? "-"} ({e.ActorRole ?? "erased"})  family {e.FamilyId?.ToString() ?? "-"}  " +
                Safe($"{e.Resource}{(string.IsNullOrEmpty(e.Purpose) ? "" : "  purpose: " + e.Purpose)}"));
        }
        stdout.WriteLine($"{entries.Count} entries.");
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
        foreach (var f in families)
        {
            stdout.WriteLine($"{f.Id}  {Safe(f.Reference),-20} {f.Gemeente,-7} {f.Status,-10} {f.TrajectStart:yyyy-MM-dd}..{f.PlannedEnd?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "open",-10} " +
                $"{f.Members} members, {f.GrantsInForce} grants in force");
        }
        return 0;
    }

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
        stdout.WriteLine("Memberships:");
        foreach (var m in d.Memberships)
        {
            stdout.WriteLine($"  {m.UserId}  {Safe(m.Username ?? "?"),-24} {m.Role,-12} joined {m.JoinedAt.UtcDateTime:yyyy-MM-dd}" +
                (m.RemovedAt is { } removed ? $", removed {removed.UtcDateTime:yyyy-MM-dd}" : ""));
        }
        stdout.WriteLine("Grants:");
        foreach (var g in d.Grants)
        {
            var until = g.ValidUntil is { } u ? $"until {u.UtcDateTime:yyyy-MM-dd}" : "until withdrawn";
            stdout.WriteLine($"  {g.GrantId}  {g.Status,-13} {g.GranteeUserId} {g.Permission,-5} {g.Scope}  from {g.ValidFrom.UtcDateTime:yyyy-MM-dd} {until}" +
                Safe($"  purpose: {g.Purpose}; basis: {g.LegalBasis}") +
                (g.WithdrawnAt is { } w ? $"; withdrawn {w.UtcDateTime:yyyy-MM-dd}" + Safe(g.WithdrawalReason is null ? "" : $" ({g.WithdrawalReason})") : ""));
        }
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
        stdout.WriteLine($"Unusual access {report.From.UtcDateTime:yyyy-MM-dd HH:mm} to {report.To.UtcDateTime:yyyy-MM-dd HH:mm} UTC: " +
            (report.Findings.Count == 0 ? "nothing found." : $"{report.Findings.Count} findings."));
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
