using Sodium;

namespace Vault.Crypto;

/// <summary>The personal fields of an audit entry: who, whose data, what exactly, why, which request.</summary>
public sealed record AuditPersonalFields(Guid? ActorUserId, Guid? ActorDeviceId, string ActorRole, Guid? FamilyId,
    string Resource, string Purpose, string RequestId);

/// <summary>
/// The bytes of one audit-log leaf. Time, action, outcome and the family sequence number are in clear; the personal
/// fields enter only through a salted commitment, BLAKE2b-256 keyed with a random 32-byte salt over their canonical
/// encoding. Erasing the fields and the salt leaves the leaf (and so every proof) intact, and a commitment without
/// its salt confirms no guess.
/// </summary>
public static class AuditLeaf
{
    public const int SaltBytes = 32, CommitmentBytes = 32;

    public static byte[] Commitment(AuditPersonalFields fields, byte[] salt)
    {
        if (salt.Length != SaltBytes)
        {
            throw new System.Security.Cryptography.CryptographicException("An audit salt is 32 bytes.");
        }
        var encoded = new Canonical("vault.audit.fields.v1")
            .Id(fields.ActorUserId).Id(fields.ActorDeviceId).Text(fields.ActorRole).Id(fields.FamilyId)
            .Text(fields.Resource).Text(fields.Purpose).Text(fields.RequestId).ToArray();
        return GenericHash.Hash(encoded, salt, CommitmentBytes);
    }

    public static byte[] Encode(long timeUnixMs, string action, bool allowed, long familySeq, byte[] commitment) =>
        new Canonical("vault.audit.leaf.v1").I64(timeUnixMs).Text(action).Raw([allowed ? (byte)1 : (byte)0])
            .I64(familySeq).Raw(commitment).ToArray();
}
