using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault audit access` and the privacy officer's `vault privacy ...` verbs.</summary>
internal static partial class Verbs
{
    private static Verb AuditAccess(Context c)
    {
        var family = Opt.Family();
        var since = Opt.Date("--since", "Only entries from this day on (UTC).");
        var until = Opt.Date("--until", "Only entries up to and including this day (UTC).");
        var actor = Opt.Id("--actor", "Only what this person did.", "`vault family members --family ID` shows the ids", required: false);
        var json = Opt.Json();
        return new Verb("access",
            "Who accessed what of your family, when and why, newest first — shown only after the whole trail verified against " +
            "the signed audit log (exit 3 if it did not). Guardians see the whole family; a child what concerns it. " +
            "--lang (nl|en, every command has it) picks the wording.",
            "vault audit access --family 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c",
            "vault audit access --family ID --since 2026-11-01 --actor 7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f --lang en",
            "vault audit access --family ID --json")
        {
            family, since, until, actor, json,
        }.Does(r => c.AuditAccess(r.Must(family), r.GetValue(since), r.GetValue(until), r.GetValue(actor), r.GetValue(json)));
    }

    /// <summary>
    /// `vault privacy`: the privacy officer's commands. To add one (e.g. `requests`), write a method returning its
    /// Command in a Verbs.*.cs file of its own and add it to <see cref="PrivacyVerbs"/>: one line.
    /// </summary>
    private static Command Privacy(Context c)
    {
        var privacy = new Command("privacy", "The privacy officer's oversight: audit metadata, families, grants, unusual access, the request queue, retention. Never content.");
        foreach (var verb in PrivacyVerbs(c))
        {
            privacy.Subcommands.Add(verb);
        }
        return privacy;
    }

    private static IEnumerable<Command> PrivacyVerbs(Context c) =>
        [PrivacyAudit(c), PrivacyFamilies(c), PrivacyFamily(c), PrivacyReport(c), PrivacyRequests(c), PrivacyRetention(c)];

    private static Verb PrivacyAudit(Context c)
    {
        var family = Opt.Family(required: false);
        var actor = Opt.Id("--actor", "Only what this account did.", "`vault privacy family ID` shows the members' ids", required: false);
        var action = Opt.Text("--action", "Only this audit action (e.g. message.history.read), or a prefix ending in * (message.*).", "ACTION");
        var since = Opt.Date("--since", "Only entries from this day on (UTC).");
        var until = Opt.Date("--until", "Only entries up to and including this day (UTC).");
        var csv = Opt.Text("--csv", "Write every matching entry to this CSV file (header row; opens in a spreadsheet).", "FILE");
        var json = Opt.Json();
        return new Verb("audit", "Search the audit log's metadata (who, what, whose file, why, allowed or refused). Your query is audited too.",
            "vault privacy audit --family 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c --since 2026-11-01",
            "vault privacy audit --actor ID --action 'message.*' --json",
            "vault privacy audit --since 2026-01-01 --until 2026-12-31 --csv audit-2026.csv")
        {
            family, actor, action, since, until, csv, json,
        }.Does(r => c.PrivacyAudit(r.GetValue(family), r.GetValue(actor), r.GetValue(action), r.GetValue(since), r.GetValue(until),
            r.GetValue(csv), r.GetValue(json)));
    }

    private static Verb PrivacyFamilies(Context c)
    {
        var json = Opt.Json();
        return new Verb("families", "Every family: reference, gemeente, traject, members and grants in force.",
            "vault privacy families", "vault privacy families --json")
        {
            json,
        }.Does(r => c.PrivacyFamilies(r.GetValue(json)));
    }

    private static Verb PrivacyFamily(Context c)
    {
        var id = Opt.IdArgument("FAMILY_ID", "The family.", "`vault privacy families` shows them");
        var json = Opt.Json();
        return new Verb("family", "One family's memberships (also removed) and grants (also withdrawn): metadata only.",
            "vault privacy family 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c", "vault privacy family ID --json")
        {
            id, json,
        }.Does(r => c.PrivacyFamily(r.GetValue(id), r.GetValue(json)));
    }

    private static Verb PrivacyReport(Context c)
    {
        var since = Opt.Date("--since", "From this day (UTC); default the last 30 days.");
        var until = Opt.Date("--until", "Up to and including this day (UTC); default now.");
        var json = Opt.Json();
        return new Verb("report",
            "Unusual access: accounts refused often, accounts in many families on one day, access outside a grant's window or " +
            "after it ended, work at night. Each finding lists the entries behind it.",
            "vault privacy report", "vault privacy report --since 2026-11-01 --json")
        {
            since, until, json,
        }.Does(r => c.PrivacyReport(r.GetValue(since), r.GetValue(until), r.GetValue(json)));
    }

    private static string Error(System.CommandLine.Parsing.ArgumentResult r, string message)
    {
        r.AddError(message);
        return "";
    }
}
