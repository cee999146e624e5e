namespace Vault.Contracts.Consent;

/// <summary>
/// The signed part of a consent grant (its canonical encoding is in Vault.Crypto.ConsentGrant). Times are Unix
/// milliseconds so that what is signed and what is sent are the same numbers. <c>ValidUntilUnixMs</c> 0 means
/// until withdrawn. <c>SubjectUserId</c> names a child member when the grant concerns that child (age rules).
/// </summary>
public sealed record ConsentGrantBody(
    Guid GrantId, Guid FamilyId, Guid GranteeUserId, Guid? SubjectUserId, string Scope, string Permission,
    string Purpose, string LegalBasis, long ValidFromUnixMs, long ValidUntilUnixMs);

/// <summary>An Ed25519 signature by one of the signer's devices over the canonical grant.</summary>
public sealed record GrantSignature(Guid SignerUserId, Guid SignerDeviceId, byte[] Signature);

public sealed record SubmitGrantRequest(ConsentGrantBody Grant, IReadOnlyList<GrantSignature> Signatures);

public static class GrantStatus
{
    public const string Pending = "pending", Active = "active", NotYetValid = "not-yet-valid", Expired = "expired",
        Withdrawn = "withdrawn";
}

public sealed record GrantResponse(
    ConsentGrantBody Grant, string Status, IReadOnlyList<GrantSignature> Signatures,
    IReadOnlyList<Guid> AwaitingSignatureFrom, DateTimeOffset CreatedAt, DateTimeOffset? WithdrawnAt,
    Guid? WithdrawnBy, string? WithdrawalReason);

public sealed record WithdrawGrantRequest(string? Reason);

/// <summary>
/// A statement signed by the server's audit key (Ed25519 over "vault.receipt.v1" | receipt bytes). The receipt is
/// UTF-8 JSON; the SDK verifies the signature before parsing it.
/// </summary>
public sealed record SignedReceipt(byte[] Receipt, byte[] Signature);

/// <summary>
/// One audited access by the grantee to the scope. The receipt lists the newest 1,000; the count covers every entry
/// that still names the grantee (entries whose personal fields a privacy officer erased can no longer be attributed).
/// </summary>
public sealed record AccessedItem(long AuditIndex, DateTimeOffset Time, string Action, string Resource);

public sealed record WithdrawalReceipt(
    string Type, Guid GrantId, Guid FamilyId, Guid GranteeUserId, string Scope, DateTimeOffset WithdrawnAt,
    Guid WithdrawnBy, long AccessedCount, IReadOnlyList<AccessedItem> Accessed, long TreeSize, byte[] RootHash);
