using Vault.Contracts;

namespace Vault.Server.Retention;

/// <summary>
/// "Vault:Retention": how long what a family leaves behind is kept after its traject ends, and how long audit entries
/// keep their personal fields. Checked at start: a wrong setting stops the server rather than purging too early.
/// </summary>
public sealed class RetentionPolicy
{
    /// <summary>NEN 7513: the audit trail of access to a client's file is kept at least five years.</summary>
    public const int MinAuditYears = 5;

    /// <summary>Years after the traject's end before the whole family is erased (the Jeugdwet's duty for youth-care files).</summary>
    public int ContentYearsAfterEnd { get; set; } = 20;

    /// <summary>Shorter clocks for some document categories, e.g. {"overig": 2}; the others follow the content clock.</summary>
    public Dictionary<string, int> CategoryYearsAfterEnd { get; set; } = [];

    /// <summary>Messages of the family's channels are purged this long after the end (null: with the family). A channel's own
    /// RetentionDays keeps running as well.</summary>
    public int? ChannelYearsAfterEnd { get; set; }

    /// <summary>Audit entries lose their personal fields this long after they were written (the log itself stays whole).</summary>
    public int AuditYears { get; set; } = 20;

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Rows per transaction (documents, messages, audit entries).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The clock of a category: its override, or the content clock.</summary>
    public int YearsFor(string category) => CategoryYearsAfterEnd.TryGetValue(category, out var years) ? years : ContentYearsAfterEnd;

    /// <summary>The overrides that run out before the family does; longer ones never purge anything on their own.</summary>
    public IEnumerable<KeyValuePair<string, int>> ShorterCategories =>
        CategoryYearsAfterEnd.Where(c => c.Value < ContentYearsAfterEnd).OrderBy(c => c.Key, StringComparer.Ordinal);

    /// <summary>Throws with a message naming the setting and what it must be.</summary>
    public void Validate()
    {
        const string at = "Vault:Retention:";
        if (AuditYears < MinAuditYears)
        {
            throw new InvalidOperationException(
                $"{at}AuditYears is {AuditYears}: NEN 7513 requires audit entries to be kept at least {MinAuditYears} years; set {MinAuditYears} or more.");
        }
        if (ContentYearsAfterEnd < 1)
        {
            throw new InvalidOperationException($"{at}ContentYearsAfterEnd is {ContentYearsAfterEnd}: it must be at least 1 (the Jeugdwet asks 20).");
        }
        foreach (var (category, years) in CategoryYearsAfterEnd)
        {
            if (!ConsentScopes.DocumentCategories.Contains(category, StringComparer.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{at}CategoryYearsAfterEnd names \"{category}\": use one of {string.Join(", ", ConsentScopes.DocumentCategories)}.");
            }
            if (years < 1)
            {
                throw new InvalidOperationException($"{at}CategoryYearsAfterEnd:{category} is {years}: it must be at least 1.");
            }
        }
        if (ChannelYearsAfterEnd is < 1)
        {
            throw new InvalidOperationException($"{at}ChannelYearsAfterEnd is {ChannelYearsAfterEnd}: leave it out, or set at least 1.");
        }
        if (Interval < TimeSpan.FromMinutes(1) || Interval > TimeSpan.FromDays(7))
        {
            throw new InvalidOperationException($"{at}Interval is {Interval}: use between 00:01:00 and 7.00:00:00.");
        }
        if (BatchSize is < 1 or > 10_000)
        {
            throw new InvalidOperationException($"{at}BatchSize is {BatchSize}: use 1 to 10000.");
        }
    }
}
