namespace Vault.Contracts.Privacy;

/// <summary>
/// What the privacy officer sees of one audit entry: metadata only (who, what, on whose file, why, allowed or not).
/// Erased personal fields are null. The inclusion proofs are on /audit/entries.
/// </summary>
public sealed record PrivacyAuditEntry(long Index, DateTimeOffset Time, string Action, bool Allowed, Guid? FamilyId, long FamilySeq,
    Guid? ActorUserId, Guid? ActorDeviceId, string? ActorRole, string? Resource, string? Purpose, string? RequestId);

/// <summary>A page of matching entries in log order; <c>NextAfter</c> is the <c>after</c> for the next page, null at the end.</summary>
public sealed record PrivacyAuditPage(IReadOnlyList<PrivacyAuditEntry> Entries, long? NextAfter);

/// <summary>A family as the officer sees it: traject metadata and counts, never content.</summary>
public sealed record PrivacyFamilySummary(Guid Id, string Reference, string Gemeente, string Status, DateOnly TrajectStart,
    DateOnly? PlannedEnd, DateTimeOffset CreatedAt, DateTimeOffset? LastActivity, int Members, int GrantsInForce);

/// <summary>A membership, also after removal.</summary>
public sealed record PrivacyMembership(Guid UserId, string? Username, string Role, DateTimeOffset JoinedAt, DateTimeOffset? RemovedAt,
    Guid? InvitedBy);

/// <summary>A grant's metadata (no signatures): scope, purpose, legal basis, window, state.</summary>
public sealed record PrivacyGrant(Guid GrantId, Guid GranteeUserId, Guid? SubjectUserId, string Scope, string Permission, string Purpose,
    string LegalBasis, DateTimeOffset ValidFrom, DateTimeOffset? ValidUntil, string Status, DateTimeOffset CreatedAt,
    DateTimeOffset? ActivatedAt, DateTimeOffset? WithdrawnAt, Guid? WithdrawnBy, string? WithdrawalReason, IReadOnlyList<Guid> SignedBy);

public sealed record PrivacyFamilyDetail(PrivacyFamilySummary Family, IReadOnlyList<PrivacyMembership> Memberships,
    IReadOnlyList<PrivacyGrant> Grants);

/// <summary>Kinds of unusual access the report looks for.</summary>
public static class UnusualKinds
{
    /// <summary>An account refused at least the configured number of times in the period.</summary>
    public const string Refused = "refused-attempts";

    /// <summary>An account that accessed at least the configured number of families on one (UTC) day.</summary>
    public const string ManyFamilies = "many-families";

    /// <summary>An allowed access under a purpose whose time no grant window of the actor on that scope covers.</summary>
    public const string OutsideGrant = "outside-grant-window";

    /// <summary>A refused access by an account whose grant on that scope had been withdrawn or had expired.</summary>
    public const string AfterGrantEnded = "after-grant-ended";

    /// <summary>Allowed access by a person in the configured night hours (Europe/Amsterdam).</summary>
    public const string NightHours = "night-hours";
}

/// <summary>One finding: whose, which family (if one), which day (if per day), how many entries, and the first of them.</summary>
public sealed record UnusualFinding(string Kind, Guid? ActorUserId, Guid? FamilyId, DateOnly? Day, int Count, string Summary,
    IReadOnlyList<PrivacyAuditEntry> Entries);

public sealed record UnusualAccessReport(DateTimeOffset From, DateTimeOffset To, int RefusedThreshold, int FamiliesPerDayThreshold,
    IReadOnlyList<UnusualFinding> Findings);
