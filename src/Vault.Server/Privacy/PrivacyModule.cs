using Vault.Contracts;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;

namespace Vault.Server.Privacy;

/// <summary>Thresholds of the unusual-access report ("Vault:Privacy").</summary>
public sealed class PrivacyOptions
{
    /// <summary>Refusals of one account in the period from which the report names it.</summary>
    public int RefusedThreshold { get; set; } = 3;

    /// <summary>Families one account accessed on one day from which the report names it.</summary>
    public int FamiliesPerDayThreshold { get; set; } = 10;

    /// <summary>Night hours in Europe/Amsterdam, [start, end); equal values switch the check off.</summary>
    public int NightStartHour { get; set; }

    public int NightEndHour { get; set; } = 6;

    /// <summary>Entries shown per finding (the count covers them all).</summary>
    public int EntriesPerFinding { get; set; } = 50;
}

/// <summary>
/// The privacy officer's view of the organisation's families (one organisation per server): audit metadata, grants,
/// memberships and a report of unusual access — never content, never key material. Every query is audited before
/// it is answered; anyone else is refused (403) and that refusal is audited too.
/// </summary>
public static class PrivacyModule
{
    public static IServiceCollection AddVaultPrivacy(this IServiceCollection services)
    {
        services.AddOptions<PrivacyOptions>().BindConfiguration("Vault:Privacy");
        return services;
    }

    public static IEndpointRouteBuilder MapVaultPrivacy(this IEndpointRouteBuilder app)
    {
        var privacy = app.MapGroup("/privacy").WithTags("Privacy").RequireAuthorization();
        privacy.MapGet("/audit", PrivacyAudit.QueryAsync)
            .WithSummary("Privacy officer: audit entries filtered by family, actor, action and time; paged JSON or all as CSV.");
        privacy.MapGet("/families", PrivacyFamilies.ListAsync)
            .WithSummary("Privacy officer: every family with its traject, member count and grants in force.");
        privacy.MapGet("/families/{familyId:guid}", PrivacyFamilies.DetailAsync)
            .WithSummary("Privacy officer: a family's memberships (also removed) and grants (also withdrawn), metadata only.");
        privacy.MapGet("/reports/unusual", UnusualAccess.ReportAsync)
            .WithSummary("Privacy officer: refused attempts, many families in a day, access outside a grant's window, night hours.");
        return app;
    }

    internal static readonly Problem NotOfficer = new(403, ProblemTypes.Forbidden, "Only a privacy officer may do this.");

    /// <summary>Null for a privacy officer; anyone else gets the refusal, audited first.</summary>
    internal static async Task<IResult?> RefuseNonOfficerAsync(Actor actor, AuditLog audit, string action, string resource,
        CancellationToken ct)
    {
        if (actor.Role == Roles.PrivacyOfficer)
        {
            return null;
        }
        await audit.AppendAsync(AuditEvent.For(actor, action, null, resource).Denied(), ct);
        return NotOfficer.ToResult();
    }

    /// <summary>
    /// A time bound: an ISO 8601 instant with offset, or a date (UTC midnight; as an upper bound the end of that day);
    /// nothing before 1970 is in any log.
    /// </summary>
    internal static bool TryParseBound(string? text, bool upper, out long? unixMs)
    {
        unixMs = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", culture, System.Globalization.DateTimeStyles.None, out var day)
            && day.Year is >= 1970 and <= 9000)
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            unixMs = (upper ? start.AddDays(1) : start).ToUnixTimeMilliseconds();
            return true;
        }
        if (text.Length <= 40 && DateTimeOffset.TryParse(text, culture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            && at.Year is >= 1970 and <= 9000)
        {
            unixMs = at.ToUnixTimeMilliseconds();
            return true;
        }
        return false;
    }

    internal static Contracts.Privacy.PrivacyAuditEntry ToView(AuditEntry e) => new(e.Index,
        DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs), e.Action, e.Allowed, e.FamilyId, e.FamilySeq, e.ActorUserId,
        e.ActorDeviceId, e.ActorRole, e.Resource, e.Purpose, e.RequestId);
}
