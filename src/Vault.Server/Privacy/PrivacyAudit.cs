using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Privacy;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Privacy;

/// <summary>`GET /privacy/audit`: the log's metadata filtered, as pages of JSON or as one CSV stream of everything matching.</summary>
internal static class PrivacyAudit
{
    private const int MaxPage = 500, DefaultPage = 100;

    public static async Task<IResult> QueryAsync(Guid? family, Guid? actor, string? action, string? from, string? to, long? after,
        int? limit, string? format, HttpContext http, AuditLog audit, VaultDbContext db, CancellationToken ct)
    {
        var caller = Actor.From(http);
        if (await PrivacyModule.RefuseNonOfficerAsync(caller, audit, AuditActions.PrivacyAuditQueried, "privacy/audit", ct) is { } refused)
        {
            return refused;
        }
        if (!PrivacyModule.TryParseBound(from, upper: false, out var fromMs) || !PrivacyModule.TryParseBound(to, upper: true, out var toMs))
        {
            return Problems.Validation("from and to are dates (YYYY-MM-DD) or ISO 8601 times with an offset.");
        }
        if (fromMs > toMs)
        {
            return Problems.Validation("from must not be after to.");
        }
        if (action is not null && !IsActionFilter(action))
        {
            return Problems.Validation("action is an audit action such as message.history.read, or a prefix ending in * (message.*).");
        }
        if (after is < -1 || limit is < 1 or > MaxPage)
        {
            return Problems.Validation($"after ≥ -1 and limit 1 to {MaxPage}.");
        }
        var csv = format switch
        {
            null or "" or "json" => false,
            "csv" => true,
            _ => (bool?)null,
        };
        if (csv is null)
        {
            return Problems.Validation("format is json or csv.");
        }
        var linked = family is { } f && await db.Families.AnyAsync(x => x.Id == f, ct) ? family : null;
        var resource = $"privacy/audit?family={family}&actor={actor}&action={action}&from={from}&to={to}&format={format}";
        await audit.AppendAsync(AuditEvent.For(caller, AuditActions.PrivacyAuditQueried, linked, resource[..Math.Min(resource.Length, 200)]), ct);

        var query = Filter(db.AuditEntries.AsNoTracking(), family, actor, action, fromMs, toMs).OrderBy(e => e.Index);
        if (csv == true)
        {
            http.Response.Headers.ContentDisposition = "attachment; filename=\"vault-audit.csv\"";
            return Results.Stream(body => WriteCsvAsync(body, query, ct), "text/csv; charset=utf-8");
        }
        var page = await query.Where(e => e.Index > (after ?? -1)).Take((limit ?? DefaultPage) + 1).ToListAsync(ct);
        var take = limit ?? DefaultPage;
        var shown = page.Take(take).Select(PrivacyModule.ToView).ToList();
        return TypedResults.Ok(new PrivacyAuditPage(shown, page.Count > take ? shown[^1].Index : null));
    }

    internal static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> entries, Guid? family, Guid? actor, string? action,
        long? fromMs, long? toMs)
    {
        if (family is { } f)
        {
            entries = entries.Where(e => e.FamilyId == f);
        }
        if (actor is { } a)
        {
            entries = entries.Where(e => e.ActorUserId == a);
        }
        if (action is { Length: > 0 } name)
        {
            var prefix = name.TrimEnd('*');
            entries = name.EndsWith('*') ? entries.Where(e => e.Action.StartsWith(prefix)) : entries.Where(e => e.Action == name);
        }
        if (fromMs is { } lo)
        {
            entries = entries.Where(e => e.TimeUnixMs >= lo);
        }
        if (toMs is { } hi)
        {
            entries = entries.Where(e => e.TimeUnixMs < hi);
        }
        return entries;
    }

    private static bool IsActionFilter(string action) =>
        action.Length is > 0 and <= 64 && action.IndexOf('*') is var star && (star < 0 || star == action.Length - 1)
        && action.All(c => c is (>= 'a' and <= 'z') or '.' or '-' or '*');

    public const string CsvHeader =
        "index,time_utc,action,allowed,family_id,family_seq,actor_user_id,actor_device_id,actor_role,resource,purpose,request_id";

    /// <summary>Row by row from the database to the response: memory stays flat however many entries match.</summary>
    private static async Task WriteCsvAsync(Stream body, IQueryable<AuditEntry> query, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 16 * 1024);
        await writer.WriteAsync(CsvHeader + "\r\n");
        var line = new StringBuilder();
        await foreach (var e in query.AsAsyncEnumerable().WithCancellation(ct))
        {
            line.Clear()
                .Append(e.Index.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(',')
                .Append(Csv(e.Action)).Append(',')
                .Append(e.Allowed ? "true" : "false").Append(',')
                .Append(e.FamilyId?.ToString()).Append(',')
                .Append(e.FamilySeq.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(e.ActorUserId?.ToString()).Append(',')
                .Append(e.ActorDeviceId?.ToString()).Append(',')
                .Append(Csv(e.ActorRole)).Append(',')
                .Append(Csv(e.Resource)).Append(',')
                .Append(Csv(e.Purpose)).Append(',')
                .Append(Csv(e.RequestId)).Append("\r\n");
            await writer.WriteAsync(line, ct);
        }
    }

    /// <summary>
    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A text that a spreadsheet would
    /// run as a formula (=, +, -, @ first) gets a leading apostrophe: purposes are typed by people.
    /// </summary>
    public static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
