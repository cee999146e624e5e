using Vault.Contracts.Audit;
using Vault.Contracts.Identity;
using Vault.Contracts.KeyRings;

namespace Vault.Contracts.Export;

/// <summary>
/// The data-subject export (GET /families/{id}/export, AVG articles 15 and 20): NDJSON, one <see cref="ExportLine{T}"/>
/// per line, parts in the order of <see cref="ExportParts.Order"/>, the signed summary last. Schema: security/export.md.
/// </summary>
public static class ExportParts
{
    public const int FormatVersion = 1;
    public const string ContentType = "application/x-ndjson";
    public const string SummaryType = "vault.export.v1";

    public const string Header = "header", Family = "family", Account = "account", Members = "members", Grants = "grants",
        KeyWraps = "keyWraps", Channels = "channels", Messages = "messages", ReadReceipts = "readReceipts",
        Documents = "documents", DocumentVersions = "documentVersions", Audit = "audit", Requests = "requests", Summary = "summary";

    /// <summary>Every part before the summary, in the order they are written; each is in the summary, even when empty.</summary>
    public static readonly IReadOnlyList<string> Order =
        [Header, Family, Account, Members, Grants, KeyWraps, Channels, Messages, ReadReceipts, Documents, DocumentVersions, Audit, Requests];
}

/// <summary>One line of the package: which part it belongs to, and the record.</summary>
public sealed record ExportLine<T>(string Part, T Data);

/// <summary>
/// The first line. <c>TreeHead</c> is the newest signed tree head when the export began (the export's own audit entry
/// is in it); the audit part holds the family's entries below its size. <c>RequestId</c> names the data-subject request
/// the export answers, if any.
/// </summary>
public sealed record ExportHeader(int FormatVersion, Guid FamilyId, Guid RequesterUserId, DateTimeOffset CreatedAt,
    SignedTreeHeadDto TreeHead, Guid? RequestId = null);

/// <summary>The family row: traject fields as stored (no readable name exists on the server).</summary>
public sealed record ExportFamily(Guid Id, string Reference, string Gemeente, string Status, DateOnly TrajectStart, DateOnly? PlannedEnd,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastActivity);

/// <summary>The requester's own account: what the server keeps about it, and its devices with their public keys.</summary>
public sealed record ExportAccount(Guid UserId, string Username, string? Email, string Role, DateTimeOffset CreatedAt,
    bool TotpEnabled, byte[] IdentitySigningKey, byte[] IdentityBoxKey, IReadOnlyList<DeviceInfo> Devices);

/// <summary>An epoch key of one scope wrapped for the requester (a device, or the identity key when the device is null).</summary>
public sealed record ExportKeyWrap(string Scope, KeyWrapInfo Wrap);

/// <summary>How far one reader has read one channel.</summary>
public sealed record ExportReadReceipt(Guid ChannelId, Guid UserId, long UpToSeq, DateTimeOffset At);

/// <summary>A document row (the versions follow in their own part), trashed ones included.</summary>
public sealed record ExportDocument(Guid Id, string Category, int CurrentVersion, DateTimeOffset CreatedAt, Guid CreatedBy,
    DateTimeOffset UpdatedAt, Guid UpdatedBy, DateTimeOffset? DeletedAt, Guid? DeletedBy);

/// <summary>One part's line count and the SHA-256 over the exact bytes of its lines, each with its '\n'.</summary>
public sealed record ExportPartSummary(string Part, long Count, byte[] Sha256);

/// <summary>What the summary line's receipt says (signed by the server's audit key, see SignedReceipt).</summary>
public sealed record ExportSummary(string Type, Guid FamilyId, Guid RequesterUserId, DateTimeOffset CreatedAt,
    IReadOnlyList<ExportPartSummary> Parts);
