namespace Vault.Cli;

/// <summary>`vault audit verify [--family ID]`: exit 0 when the log checks out, 3 naming the first bad entry.</summary>
internal sealed partial class Context
{
    public async Task<int> AuditVerify(Guid? family, bool json)
    {
        var (p, client) = await SignedIn();
        var result = await client.VerifyAuditAsync(family, p.LastTreeHead);
        if (json)
        {
            WriteJson(new AuditVerifyJson(result.Ok, result.Failure?.ToString(), result.EntriesChecked, result.Head?.TreeSize, result.Erased));
        }
        if (!result.Ok)
        {
            if (json)
            {
                return ExitCodes.VerificationFailed;
            }
            stdout.WriteLine($"Audit log verification FAILED at {result.Failure}.");
            return ExitCodes.VerificationFailed;
        }
        (Stored() with { LastTreeHead = result.Head, AuditKey = client.Session!.AuditKey }).Save(home);
        if (json)
        {
            return 0;
        }
        var entries = Count(result.EntriesChecked, "entry", "entries", "regel", "regels");
        stdout.WriteLine(Say($"Audit log verified: {entries}, tree size {result.Head?.TreeSize}, consistent with the last head seen.",
            $"Auditlog geverifieerd: {entries}, boomgrootte {result.Head?.TreeSize}, consistent met de laatst geziene boomkop."));
        if (result.Erased > 0)
        {
            stdout.WriteLine($"{result.Erased} of them had their personal fields erased: in the log, but not attributable to anyone.");
        }
        return 0;
    }
}

/// <summary>What `vault audit verify --json` prints: the same outcome and exit code as the text (3 when it failed).</summary>
internal sealed record AuditVerifyJson(bool Verified, string? Failure, long EntriesChecked, long? TreeSize, long Erased);

/// <summary>What `vault audit access --json` prints (camelCase). Scripts read these names: add fields, never rename one.</summary>
internal sealed record AccessViewJson(bool Verified, bool Partial, string Proven, string? Failure, long? TreeSize,
    IReadOnlyList<Vault.Client.AccessEntry> Entries);

/// <summary>`vault audit access`: the family's own access view (NEN 7513), verified before it is shown.</summary>
internal sealed partial class Context
{
    public async Task<int> AuditAccess(Guid family, DateOnly? since, DateOnly? until, Guid? actor, bool json)
    {
        var (p, client) = await SignedIn();
        var filter = new Vault.Client.AccessViewFilter(Day(since), Day(until?.AddDays(1)), actor);
        var view = await client.ReadAccessViewAsync(family, filter, p.LastTreeHead);
        if (json)
        {
            WriteJson(new AccessViewJson(view.Ok, view.Partial, view.Proven, view.Verification.Failure?.ToString(),
                view.Verification.Head?.TreeSize, view.Entries));
        }
        if (!view.Ok)
        {
            if (!json)
            {
                stdout.WriteLine($"Audit trail verification FAILED at {view.Verification.Failure}.");
                stdout.WriteLine("The list is not shown: the server showed the log differently than it signed it.");
            }
            stderr.WriteLine("What to do: keep this output, do not rely on any list of accesses from this server, and report it to " +
                "your organisation's privacy officer and the server's administrator. `vault audit verify --family ID` repeats the check.");
            return ExitCodes.VerificationFailed;
        }
        (Stored() with { LastTreeHead = view.Verification.Head, AuditKey = client.Session!.AuditKey }).Save(home);
        if (json)
        {
            return 0;
        }
        stdout.WriteLine(view.Proven);
        stdout.WriteLine(view.Entries.Count == 0 ? Say("No entries match.", "Geen regels gevonden.")
            : Say($"{Count(view.Entries.Count, "entry", "entries", "regel", "regels")}, newest first (times in UTC):",
                $"{Count(view.Entries.Count, "entry", "entries", "regel", "regels")}, nieuwste eerst (tijden in UTC):"));
        Table([Say("TIME (UTC)", "TIJD (UTC)"), Say("ALLOWED", "TOEGESTAAN"), Say("WHAT", "WAT")],
            view.Entries.Select(e => new[]
            {
                e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                e.Allowed ? Say("allowed", "ja") : Say("REFUSED", "GEWEIGERD"), Lang == "en" ? e.English : e.Dutch,
            }));
        return 0;
    }

    private static DateTimeOffset? Day(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
}
