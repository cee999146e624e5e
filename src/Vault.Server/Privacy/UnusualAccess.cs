using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Privacy;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Privacy;

/// <summary>
/// `GET /privacy/reports/unusual`: one pass over the period's entries (streamed, aggregated per account), checked
/// against the grants' windows. Findings, each with the entries behind it: accounts refused often; accounts that
/// accessed many families on one day; access under a grant's purpose at a time no window of that grant covers; refused
/// attempts after the account's grant was withdrawn or ran out; people working at night.
/// </summary>
internal static class UnusualAccess
{
    private static readonly TimeZoneInfo Amsterdam = FindZone();

    public static async Task<IResult> ReportAsync(string? from, string? to, HttpContext http, AuditLog audit, VaultDbContext db,
        TimeProvider clock, IOptions<PrivacyOptions> options, CancellationToken ct)
    {
        var caller = Actor.From(http);
        if (await PrivacyModule.RefuseNonOfficerAsync(caller, audit, AuditActions.PrivacyReportRead, "privacy/reports/unusual", ct) is { } refused)
        {
            return refused;
        }
        if (!PrivacyModule.TryParseBound(from, upper: false, out var fromMs) || !PrivacyModule.TryParseBound(to, upper: true, out var toMs))
        {
            return Problems.Validation("from and to are dates (YYYY-MM-DD) or ISO 8601 times with an offset.");
        }
        var hi = toMs ?? clock.GetUtcNow().ToUnixTimeMilliseconds() + 1;
        var lo = fromMs ?? hi - (long)TimeSpan.FromDays(30).TotalMilliseconds;
        if (lo > hi)
        {
            return Problems.Validation("from must not be after to.");
        }
        await audit.AppendAsync(AuditEvent.For(caller, AuditActions.PrivacyReportRead, null, $"privacy/reports/unusual?from={from}&to={to}"), ct);

        var o = options.Value;
        var grants = (await db.Grants.AsNoTracking().Where(g => g.ActivatedAt != null).ToListAsync(ct))
            .ToLookup(g => (g.FamilyId, g.GranteeUserId, g.Scope));
        var findings = new Dictionary<(string Kind, Guid? Actor, Guid? Family, DateOnly? Day), Finding>();
        var familiesPerDay = new Dictionary<(Guid Actor, DateOnly Day), Dictionary<Guid, AuditEntry>>();
        await foreach (var e in db.AuditEntries.AsNoTracking().Where(e => e.TimeUnixMs >= lo && e.TimeUnixMs < hi)
                           .OrderBy(e => e.Index).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (e.ActorUserId is not { } actor)
            {
                continue; // the system, or fields erased: nobody to ask about it
            }
            var at = DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs);
            if (!e.Allowed)
            {
                Add(findings, o, (UnusualKinds.Refused, actor, null, null), e);
                if (e.FamilyId is { } f && Scope(e) is { } s && EndedGrant(grants[(f, actor, s)], e.TimeUnixMs))
                {
                    Add(findings, o, (UnusualKinds.AfterGrantEnded, actor, f, null), e);
                }
                continue;
            }
            if (e.FamilyId is { } family)
            {
                var key = (actor, DateOnly.FromDateTime(at.UtcDateTime));
                if (!familiesPerDay.TryGetValue(key, out var seen))
                {
                    familiesPerDay[key] = seen = [];
                }
                seen.TryAdd(family, e); // the first access to each family that day stands for it
                if (UnderGrant(e) && Scope(e) is { } scope && !grants[(family, actor, scope)].Any(g => Covers(g, e.TimeUnixMs)))
                {
                    Add(findings, o, (UnusualKinds.OutsideGrant, actor, family, null), e);
                }
            }
            if (o.NightStartHour != o.NightEndHour && IsNight(TimeZoneInfo.ConvertTime(at, Amsterdam).Hour, o))
            {
                Add(findings, o, (UnusualKinds.NightHours, actor, null, null), e);
            }
        }
        foreach (var ((actor, day), families) in familiesPerDay.Where(d => d.Value.Count >= o.FamiliesPerDayThreshold))
        {
            foreach (var e in families.Values.OrderBy(e => e.Index))
            {
                Add(findings, o, (UnusualKinds.ManyFamilies, actor, null, day), e);
            }
        }
        var list = findings.Where(f => f.Key.Kind != UnusualKinds.Refused || f.Value.Count >= o.RefusedThreshold)
            .Select(f => new UnusualFinding(f.Key.Kind, f.Key.Actor, f.Key.Family, f.Key.Day, f.Value.Count,
                Summary(f.Key.Kind, f.Value.Count, f.Key.Day), f.Value.Entries))
            .OrderBy(f => f.Kind, StringComparer.Ordinal).ThenByDescending(f => f.Count).ToList();
        return TypedResults.Ok(new UnusualAccessReport(DateTimeOffset.FromUnixTimeMilliseconds(lo), DateTimeOffset.FromUnixTimeMilliseconds(hi),
            o.RefusedThreshold, o.FamiliesPerDayThreshold, list));
    }

    private sealed class Finding
    {
        public int Count { get; set; }
        public List<PrivacyAuditEntry> Entries { get; } = [];
    }

    private static void Add(Dictionary<(string, Guid?, Guid?, DateOnly?), Finding> findings, PrivacyOptions o,
        (string, Guid?, Guid?, DateOnly?) key, AuditEntry e)
    {
        if (!findings.TryGetValue(key, out var finding))
        {
            findings[key] = finding = new Finding();
        }
        finding.Count++;
        if (finding.Entries.Count < o.EntriesPerFinding)
        {
            finding.Entries.Add(PrivacyModule.ToView(e));
        }
    }

    /// <summary>Allowed because of a grant: guardians ("family") and a child on its own channel ("own") hold none.</summary>
    private static bool UnderGrant(AuditEntry e) =>
        e.Purpose is { Length: > 0 } p && e.ActorRole is not (Roles.Guardian or null) && !(e.ActorRole == Roles.Child && p == "own");

    /// <summary>The scope a resource names ("channel:…/messages/1-3" → "channel:…"); none for grant and account resources.</summary>
    private static string? Scope(AuditEntry e)
    {
        if (e.Resource is not { Length: > 0 } r)
        {
            return null;
        }
        var scope = r.Split('/', 2)[0];
        return ConsentScopes.IsValid(scope) ? scope : null;
    }

    private static bool Covers(Grant g, long at) =>
        g.ActivatedAt!.Value.ToUnixTimeMilliseconds() <= at && GrantWindow.Contains(g.ValidFromUnixMs, g.ValidUntilUnixMs, at)
        && (g.WithdrawnAt is null || g.WithdrawnAt.Value.ToUnixTimeMilliseconds() > at);

    /// <summary>The account held a grant on the scope that had ended by then, and none covered the moment.</summary>
    private static bool EndedGrant(IEnumerable<Grant> grants, long at)
    {
        var list = grants.ToList();
        return !list.Exists(g => Covers(g, at)) && list.Exists(g =>
            (g.WithdrawnAt is { } w && w.ToUnixTimeMilliseconds() <= at) || GrantWindow.HasEnded(g.ValidUntilUnixMs, at));
    }

    private static bool IsNight(int hour, PrivacyOptions o) => o.NightStartHour < o.NightEndHour
        ? hour >= o.NightStartHour && hour < o.NightEndHour
        : hour >= o.NightStartHour || hour < o.NightEndHour;

    private static string Summary(string kind, int count, DateOnly? day) => kind switch
    {
        UnusualKinds.Refused => $"{count} refused attempts",
        UnusualKinds.ManyFamilies => $"{count} families accessed on {day:yyyy-MM-dd}",
        UnusualKinds.OutsideGrant => $"{count} accesses under a grant's purpose outside its window",
        UnusualKinds.AfterGrantEnded => $"{count} attempts after the grant was withdrawn or expired",
        _ => $"{count} accesses at night",
    };

    private static TimeZoneInfo FindZone()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc; // a host without time zone data: night hours in UTC
        }
    }
}
