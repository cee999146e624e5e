using System.CommandLine;
using Vault.Contracts.DataSubject;

namespace Vault.Cli;

/// <summary>`vault dsr ...`: data-subject requests (AVG articles 15–20).</summary>
internal static partial class Verbs
{
    private static Command Dsr(Context c)
    {
        var kinds = string.Join(", ", RequestKinds.All);
        var (family, kind, details, json) = (Opt.Family(), Opt.Text("--kind", $"The right: {kinds}.", "KIND", required: true),
            Opt.Text("--details", "What the request is about, in your words (the privacy officer reads it).", "TEXT"), Opt.Json());
        var request = new Verb("request", "File a data-subject request about your family (guardians; a child: access, portability, " +
            "rectification). It is due one month after it is received.",
            $"vault dsr request --family {SomeId} --kind access",
            $"vault dsr request --family {SomeId} --kind erasure --details \"het traject is afgesloten\"")
        {
            family, kind, details, json,
        }.Does(r => c.DsrRequest(r.Must(family), r.Must(kind), r.GetValue(details), r.GetValue(json)));

        var (listFamily, listJson) = (Opt.Family(), Opt.Json());
        var list = new Verb("list", "Your family's requests with their status, due day and outcome (a refusal says why).",
            $"vault dsr list --family {SomeId}")
        {
            listFamily, listJson,
        }.Does(r => c.DsrList(r.Must(listFamily), r.GetValue(listJson)));

        var (statusId, statusJson) = (RequestId(), Opt.Json());
        var status = new Verb("status", "Privacy officer: one request.", $"vault dsr status --request {SomeId}")
        {
            statusId, statusJson,
        }.Does(r => c.DsrStatus(r.Must(statusId), r.GetValue(statusJson)));

        var (eraseId, receipt, eraseJson) = (RequestId(), Opt.Text("--receipt", "Where to save the signed receipt (default: receipts/erasure-ID.json in the profile's directory).", "FILE"),
            Opt.Json());
        var erase = new Verb("erase", "Privacy officer: erase the request's family by crypto-shredding (keys, messages, documents, " +
            "grants, memberships, accounts only in this family; audit entries lose their personal fields). Refused under a legal hold.",
            $"vault dsr erase --request {SomeId} --receipt ontvangstbewijs.json")
        {
            eraseId, receipt, eraseJson,
        }.Does(r => c.DsrErase(r.Must(eraseId), r.GetValue(receipt), r.GetValue(eraseJson)));

        return new Command("dsr", "Data-subject rights (AVG): file and follow requests, export the family's data (family); work them through (privacy officer).")
        {
            request, list, DsrExport(c), status, erase, Step(c, "start", "Take a received request in hand.", reason: null),
            Step(c, "extend", "Extend the deadline by two months, once; the requester reads the reason.", reason: true),
            Step(c, "refuse", "Refuse; the requester reads the reason.", reason: true),
            Step(c, "complete", "Close an access, portability or rectification request, saying what was done.", reason: true),
            Step(c, "restrict", "Make the request's family read-only until `vault dsr lift`.", reason: null),
            Rectify(c), Lift(c), Hold(c),
        };
    }

    private static Option<Guid?> RequestId() =>
        Opt.Id("--request", "The request's id.", "`vault dsr list --family ID` or `vault privacy requests` shows it");

    private static Verb Step(Context c, string name, string description, bool? reason)
    {
        var (id, json) = (RequestId(), Opt.Json());
        var why = Opt.Text("--reason", name == "complete" ? "What was done (the requester reads it)." : "Why (the requester reads it).",
            "TEXT", required: true);
        var verb = new Verb(name, "Privacy officer: " + description,
            $"vault dsr {name} --request {SomeId}" + (reason is null ? "" : " --reason \"...\"")) { id, json };
        if (reason is not null)
        {
            verb.Options.Add(why);
        }
        return verb.Does(r => c.DsrStep(name, r.Must(id), reason is null ? null : r.Must(why), null, null, r.GetValue(json)));
    }

    private static Verb Rectify(Context c)
    {
        var (id, user, email, json) = (RequestId(), Opt.User("Whose account data to correct."),
            Opt.Text("--email", "The corrected e-mail address.", "ADDRESS", required: true), Opt.Json());
        return new Verb("rectify", "Privacy officer: correct a family member's account data (AVG article 16).",
            $"vault dsr rectify --request {SomeId} --user {SomeId} --email moeder@example.nl")
        {
            id, user, email, json,
        }.Does(r => c.DsrStep("rectify", r.Must(id), null, r.Must(user), r.Must(email), r.GetValue(json)));
    }

    private static Verb Lift(Context c)
    {
        var (family, reason) = (Opt.Family(), Opt.Text("--reason", "Why the restriction ends.", "TEXT", required: true));
        return new Verb("lift", "Privacy officer: lift a family's restriction.", $"vault dsr lift --family {SomeId} --reason \"bezwaar afgehandeld\"")
        {
            family, reason,
        }.Does(r => c.DsrLift(r.Must(family), r.Must(reason)));
    }

    private static Verb Hold(Context c)
    {
        var (family, ground, until, release) = (Opt.Family(),
            Opt.Text("--ground", "The retention duty, as the requester will read it.", "TEXT"),
            Opt.Date("--until", "Until when it applies (default: until released)."), Opt.Flag("--release", "Lift the hold instead."));
        return new Verb("hold", "Privacy officer: a legal hold (e.g. Jeugdwet: files kept 20 years after care ends) blocks erasure.",
            $"vault dsr hold --family {SomeId} --ground \"Jeugdwet art. 7.3.8\" --until 2046-06-01",
            $"vault dsr hold --family {SomeId} --release")
        {
            family, ground, until, release,
        }.Does(r => c.DsrHold(r.Must(family), r.GetValue(ground), r.GetValue(until), r.GetValue(release)));
    }

    /// <summary>`vault privacy requests`: the officer's queue (joins the privacy group).</summary>
    private static Verb PrivacyRequests(Context c)
    {
        var (all, json) = (Opt.Flag("--all", "Also the closed ones."), Opt.Json());
        return new Verb("requests", "Privacy officer: the data-subject requests by due day (open ones unless --all).",
            "vault privacy requests", "vault privacy requests --all --json")
        {
            all, json,
        }.Does(r => c.DsrQueue(r.GetValue(all), r.GetValue(json)));
    }
}
