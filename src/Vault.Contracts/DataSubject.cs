namespace Vault.Contracts.DataSubject;

/// <summary>The AVG rights a request exercises (articles 15, 20, 16, 17, 18).</summary>
public static class RequestKinds
{
    public const string Access = "access", Portability = "portability", Rectification = "rectification";
    public const string Erasure = "erasure", Restriction = "restriction";

    public static readonly IReadOnlyList<string> All = [Access, Portability, Rectification, Erasure, Restriction];

    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind, StringComparer.Ordinal);
}

/// <summary>A request's lifecycle: received → in-progress → done or refused (with a reason).</summary>
public static class RequestStatus
{
    public const string Received = "received", InProgress = "in-progress", Done = "done", Refused = "refused";

    public static bool IsOpen(string status) => status is Received or InProgress;
}

/// <summary>Filing a request about one's family (guardians) or, for the privacy officer, recording one received otherwise.</summary>
public sealed record CreateSubjectRequest(string Kind, string? Details);

/// <summary>
/// A request as its requester and the privacy officer see it. <c>DueAt</c> is received + one month (AVG article 12(3)),
/// later if extended (by at most two months, with the reason). <c>Outcome</c> says why it was refused, or what was done.
/// </summary>
public sealed record SubjectRequestResponse(
    Guid Id, Guid FamilyId, string Kind, string Status, Guid RequestedBy, DateTimeOffset ReceivedAt, DateTimeOffset DueAt,
    string? ExtensionReason, string? Outcome, DateTimeOffset? CompletedAt, string? Details, bool HasReceipt);

public sealed record ReasonRequest(string Reason);

/// <summary>A legal hold: the ground as the requester will read it, and until when it applies (open-ended if null).</summary>
public sealed record LegalHoldRequest(string Ground, DateOnly? Until);

/// <summary>Rectification of account data (AVG article 16): the fields to correct; null leaves a field as it is.</summary>
public sealed record RectifyAccountRequest(Guid UserId, string? Email);

/// <summary>What an erasure destroyed, per part: how many, and SHA-256 over their identifiers in order (hex).</summary>
public sealed record ErasedPart(string Part, long Count, string Sha256);

/// <summary>
/// The erasure receipt, signed with the server's audit key (see Receipts): what was destroyed for which request, when,
/// and the audit log's size after it, so the requester can check that the log still verifies and goes on.
/// </summary>
public sealed record ErasureReceipt(
    string Type, Guid RequestId, Guid FamilyId, string Reason, DateTimeOffset StartedAt, DateTimeOffset CompletedAt,
    IReadOnlyList<ErasedPart> Parts);
