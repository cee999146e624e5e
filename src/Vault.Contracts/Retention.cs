namespace Vault.Contracts.Retention;

/// <summary>The clocks that run from a traject's end (content, per category, channels) and per audit entry (audit).</summary>
public static class RetentionClocks
{
    public const string Content = "content", Category = "category", Channels = "channels", Audit = "audit";
}

/// <summary>
/// Where a clock stands: not-started (the traject has not ended), running, expired (the next round purges it, or for
/// the content clock: the family is due for erasure), held (expired, but a legal hold in force keeps it).
/// </summary>
public static class RetentionStatus
{
    public const string NotStarted = "not-started", Running = "running", Expired = "expired", Held = "held";
}

/// <summary>A privacy officer's view of one family's retention: never content, only dates, counts and the hold.</summary>
public sealed record RetentionStateResponse(
    Guid FamilyId,
    string TrajectStatus,
    DateOnly? EndedOn,
    LegalHoldDto? LegalHold,
    bool Erasing,
    IReadOnlyList<RetentionClockDto> Clocks,
    IReadOnlyList<RetentionPurgeDto> Purged);

/// <summary>A retention duty that blocks purging and erasure while <see cref="InForce"/> (through its until day; null: indefinitely).</summary>
public sealed record LegalHoldDto(string? Ground, DateOnly? Until, bool InForce);

/// <summary>
/// One clock: which (<see cref="RetentionClocks"/>), for what part (the family, a document category, "messages",
/// "entries"), how many years, the day it runs out (null while it has not started) and its <see cref="RetentionStatus"/>.
/// </summary>
public sealed record RetentionClockDto(string Clock, string Part, int Years, DateOnly? RunsOutOn, string Status);

/// <summary>What a retention round purged for the family, from its audit entry: when, which clock and part, how many.</summary>
public sealed record RetentionPurgeDto(long AuditIndex, DateTimeOffset At, string Clock, string Part, long Count);
