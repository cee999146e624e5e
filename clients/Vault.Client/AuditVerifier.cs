using Vault.Contracts.Audit;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>The first entry that failed verification, with why; <c>Index</c> -1 when the tree head itself failed.</summary>
public sealed record AuditFailure(long Index, long FamilySeq, string Reason)
{
    public override string ToString() => Index < 0 ? Reason : $"entry #{Index}" + (FamilySeq > 0 ? $" (family seq {FamilySeq})" : "") + $": {Reason}";
}

/// <summary>
/// The outcome. <c>Erased</c> counts entries whose personal fields were erased: they are proven in the log, but in a
/// family's view nothing shows they belong to that family (the leaf binds the family only through the erased fields).
/// </summary>
public sealed record AuditVerification(SignedTreeHeadDto? Head, long EntriesChecked, AuditFailure? Failure, long Erased = 0)
{
    public bool Ok => Failure is null;
}

/// <summary>
/// Checks what the server shows of the audit log (security/audit-log.md): every tree head is signed by the pinned
/// audit key and consistent with the last head this device saw; every entry's leaf is recomputed from its fields
/// (the commitment is opened with the salt unless the fields were erased) and proven included under the head; and
/// entries run without gaps — by family sequence number for a family's view, by index for the whole log.
/// </summary>
public sealed class AuditVerifier(byte[] auditKey, SignedTreeHeadDto? lastSeen, Guid? familyId, long startAfter)
{
    private SignedTreeHeadDto? head = lastSeen;
    private long expected = startAfter + 1;
    private long checkedCount;
    private long erasedCount;

    public SignedTreeHeadDto? Head => head;

    /// <summary>
    /// A family view that shows only the caller's part (a child's): order, fields and proofs are checked, but no
    /// check can show that nothing is missing. Only set it when the caller expects a partial view, never because the
    /// server says so (a server could otherwise hide entries from a guardian).
    /// </summary>
    public bool Partial { get; init; }

    /// <summary>Checks a new head: signature, no rollback, and the consistency proof from the previous head.</summary>
    public AuditFailure? AcceptHead(SignedTreeHeadDto next, ConsistencyProofDto? proof)
    {
        if (!TreeHead.Verify(new SignedTreeHead(next.TreeSize, next.TimestampUnixMs, next.RootHash, next.Signature), auditKey))
        {
            return new AuditFailure(-1, 0, $"the tree head of size {next.TreeSize} is not signed by the server's audit key");
        }
        if (head is { } previous)
        {
            var consistent = next.TreeSize == previous.TreeSize
                ? next.RootHash.AsSpan().SequenceEqual(previous.RootHash)
                : next.TreeSize > previous.TreeSize && proof is not null && proof.FromSize == previous.TreeSize && proof.ToSize == next.TreeSize
                  && MerkleTree.VerifyConsistency(previous.TreeSize, next.TreeSize, proof.Proof.ToList(), previous.RootHash, next.RootHash);
            if (!consistent)
            {
                return new AuditFailure(-1, 0, $"the log of size {next.TreeSize} is not an extension of the one seen before (size {previous.TreeSize}): history was rewritten");
            }
        }
        head = next;
        return null;
    }

    /// <summary>Checks one entry against the current head, in order.</summary>
    public AuditFailure? Check(AuditEntryWithProof item)
    {
        var e = item.Entry;
        var position = familyId is null ? e.Index : e.FamilySeq;
        if (Partial && familyId is not null && position > expected)
        {
            expected = position; // a child's part of the trail: gaps are by design, order is still checked
        }
        if (position != expected)
        {
            return new AuditFailure(e.Index, e.FamilySeq, position > expected
                ? $"{(familyId is null ? "entry #" : "family seq ")}{expected} is missing before it"
                : "out of order");
        }
        var commitment = e.Commitment;
        if (e.Fields is null || e.Salt is null)
        {
            erasedCount++;
        }
        if (e.Fields is { } f && e.Salt is { } salt)
        {
            commitment = AuditLeaf.Commitment(new AuditPersonalFields(f.ActorUserId, f.ActorDeviceId, f.ActorRole, f.FamilyId, f.Resource,
                f.Purpose, f.RequestId), salt);
            if (!commitment.AsSpan().SequenceEqual(e.Commitment))
            {
                return new AuditFailure(e.Index, e.FamilySeq, "its fields do not match its commitment");
            }
            if (familyId is { } family && f.FamilyId != family)
            {
                return new AuditFailure(e.Index, e.FamilySeq, "it belongs to another family");
            }
        }
        var leaf = MerkleTree.LeafHash(AuditLeaf.Encode(e.TimeUnixMs, e.Action, e.Allowed, e.FamilySeq, commitment));
        if (head is null || !MerkleTree.VerifyInclusion(leaf, e.Index, head.TreeSize, item.InclusionProof.ToList(), head.RootHash))
        {
            return new AuditFailure(e.Index, e.FamilySeq, "it is not in the signed log as shown (altered, moved or forged)");
        }
        expected++;
        checkedCount++;
        return null;
    }

    /// <summary>
    /// After the last page: the whole log must have shown every entry up to the head's size (a family's view cannot
    /// know its own last sequence number from the head, so it only proves that nothing before it is missing).
    /// </summary>
    public AuditFailure? Finish() =>
        familyId is null && head is { } h && expected < h.TreeSize
            ? new AuditFailure(expected, 0, $"entry #{expected} is missing before the end of the signed log (size {h.TreeSize})")
            : null;

    public long Checked => checkedCount;

    public long Erased => erasedCount;
}
