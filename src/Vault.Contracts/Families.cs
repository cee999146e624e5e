using Vault.Contracts.Identity;

namespace Vault.Contracts.Families;

/// <summary>Traject states a case worker moves a family through.</summary>
public static class TrajectStatus
{
    public static readonly IReadOnlyList<string> All = ["intake", "active", "paused", "completed", "stopped"];

    public static bool IsKnown(string? status) => status is not null && All.Contains(status, StringComparer.Ordinal);
}

/// <summary>
/// Opening a family (a coordinator or wijkcoach). <c>Reference</c> is the case worker's own file reference, never
/// a name: the server keeps no readable name of a family. <c>Gemeente</c> is the CBS municipality code (GM0363).
/// </summary>
public sealed record CreateFamilyRequest(string Reference, string Gemeente, DateOnly TrajectStart, DateOnly? PlannedEnd);

public sealed record FamilySummary(Guid Id, string Reference, string MyRole, DateTimeOffset CreatedAt);

public sealed record UpdateTrajectRequest(string Status, DateOnly? PlannedEnd);

/// <summary>The <c>progress</c> scope: traject state and counts, never content.</summary>
public sealed record ProgressResponse(
    Guid FamilyId, string Gemeente, string Status, DateOnly TrajectStart, DateOnly? PlannedEnd,
    int Members, int Channels, long Messages, DateTimeOffset? LastActivity);

/// <summary>Inviting someone into a family; <c>DateOfBirth</c> only (and then required) for a child.</summary>
public sealed record CreateFamilyInvitationRequest(string Role, DateOnly? DateOfBirth, int? ValidForHours);

public sealed record AcceptFamilyInvitationRequest(string Code);

public sealed record MemberInfo(Guid UserId, string Username, string Role, DateTimeOffset JoinedAt,
    DateTimeOffset? RemovedAt, DateOnly? DateOfBirth);

/// <summary>A user who can read a scope, with the public keys to wrap its key ring for.</summary>
public sealed record RecipientInfo(Guid UserId, string Username, string Role, byte[] IdentitySigningKey,
    byte[] IdentityBoxKey, IReadOnlyList<DeviceInfo> Devices);

public sealed record ScopeAccess(string Scope, IReadOnlyList<RecipientInfo> Readers);
