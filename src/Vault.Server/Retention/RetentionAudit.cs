using System.Globalization;
using Vault.Contracts.Retention;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;

namespace Vault.Server.Retention;

/// <summary>
/// How a round records what it purged, and how the state endpoint reads it back: the resource names the clock, the
/// part and the count ("retention/category/overig/3"), the purpose says it in words.
/// </summary>
internal static class RetentionAudit
{
    private const string Prefix = "retention/";

    public static readonly string[] Actions =
        [AuditActions.RetentionDocumentsPurged, AuditActions.RetentionMessagesPurged, AuditActions.RetentionAuditErased];

    public static AuditEvent Purged(string action, Guid? familyId, string clock, string part, long count, string why) =>
        AuditEvent.For(Actor.System, action, familyId, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{clock}/{part}/{count}"), why);

    /// <summary>The purge an entry records, or null when it is not one (or its fields were erased since).</summary>
    public static RetentionPurgeDto? Read(AuditEntry entry)
    {
        if (entry.Resource is not { } resource || !resource.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = resource[Prefix.Length..].Split('/');
        return parts.Length == 3 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? new RetentionPurgeDto(entry.Index, DateTimeOffset.FromUnixTimeMilliseconds(entry.TimeUnixMs), parts[0], parts[1], count)
            : null;
    }
}
