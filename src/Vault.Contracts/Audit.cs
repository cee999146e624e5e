namespace Vault.Contracts.Audit;

/// <summary>The personal fields of an audit entry; null in <see cref="AuditEntryDto"/> once erased.</summary>
public sealed record AuditFieldsDto(Guid? ActorUserId, Guid? ActorDeviceId, string ActorRole, Guid? FamilyId,
    string Resource, string Purpose, string RequestId);

public sealed record AuditEntryDto(long Index, long TimeUnixMs, string Action, bool Allowed, long FamilySeq,
    byte[] Commitment, AuditFieldsDto? Fields, byte[]? Salt);

public sealed record SignedTreeHeadDto(long TreeSize, long TimestampUnixMs, byte[] RootHash, byte[] Signature);

public sealed record AuditKeyResponse(string Algorithm, byte[] PublicKey);

public sealed record ConsistencyProofDto(long FromSize, long ToSize, IReadOnlyList<byte[]> Proof);

public sealed record AuditEntryWithProof(AuditEntryDto Entry, IReadOnlyList<byte[]> InclusionProof);

/// <summary>
/// A page of entries, each with its inclusion proof against <c>Head</c>. <c>Partial</c>: only the entries that concern
/// the caller (a child sees its own part of the family's trail), so its family sequence numbers have gaps by design.
/// </summary>
public sealed record AuditPageResponse(SignedTreeHeadDto Head, IReadOnlyList<AuditEntryWithProof> Entries, bool More, bool Partial = false);
