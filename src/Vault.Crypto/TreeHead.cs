using Sodium;

namespace Vault.Crypto;

public sealed record SignedTreeHead(long TreeSize, long TimestampUnixMs, byte[] RootHash, byte[] Signature);

/// <summary>
/// A signed tree head: the server's audit key (Ed25519) over "vault.sth.v1" | i64 treeSize | i64 timestampUnixMs |
/// rootHash(32). Whoever keeps an old head can later demand a consistency proof to the new one.
/// </summary>
public static class TreeHead
{
    public static byte[] Statement(long treeSize, long timestampUnixMs, byte[] rootHash) =>
        new Canonical("vault.sth.v1").I64(treeSize).I64(timestampUnixMs).Raw(rootHash).ToArray();

    public static SignedTreeHead Sign(long treeSize, long timestampUnixMs, byte[] rootHash, byte[] auditPrivateKey) =>
        new(treeSize, timestampUnixMs, rootHash,
            PublicKeyAuth.SignDetached(Statement(treeSize, timestampUnixMs, rootHash), auditPrivateKey));

    public static bool Verify(SignedTreeHead head, byte[] auditPublicKey) =>
        head.RootHash.Length == MerkleTree.HashBytes && head.Signature.Length == 64 && auditPublicKey.Length == 32
        && PublicKeyAuth.VerifyDetached(head.Signature, Statement(head.TreeSize, head.TimestampUnixMs, head.RootHash), auditPublicKey);
}
