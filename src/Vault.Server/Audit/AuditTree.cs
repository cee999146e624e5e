using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Audit;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Identity;

namespace Vault.Server.Audit;

/// <summary>The read side of the audit log: signed tree heads and proofs, computed from the stored tiles.</summary>
public sealed class AuditTree(VaultDbContext db, TileStore tiles, ServerSecrets secrets, TimeProvider clock)
{
    public async Task<long> CommittedSizeAsync(CancellationToken ct) =>
        (await db.AuditEntries.MaxAsync(e => (long?)e.Index, ct) ?? -1) + 1;

    /// <summary>The newest signed head, signing a new one first if the log has grown since.</summary>
    public async Task<SignedTreeHeadDto> LatestAsync(CancellationToken ct)
    {
        var size = await CommittedSizeAsync(ct);
        var last = await db.AuditTreeHeads.AsNoTracking().OrderByDescending(h => h.Id).FirstOrDefaultAsync(ct);
        if (last is not null && last.TreeSize >= size)
        {
            return ToDto(last);
        }
        var root = Root(size);
        var signed = TreeHead.Sign(size, clock.GetUtcNow().ToUnixTimeMilliseconds(), root, secrets.AuditSigningKey.PrivateKey);
        var head = new AuditTreeHead
        {
            TreeSize = signed.TreeSize, TimestampUnixMs = signed.TimestampUnixMs, RootHash = signed.RootHash,
            Signature = signed.Signature,
        };
        db.AuditTreeHeads.Add(head);
        await db.SaveChangesAsync(ct);
        return ToDto(head);
    }

    public byte[] Root(long size) => size == 0 ? MerkleTree.EmptyRoot : MerkleTree.RangeHash(0, size, Node);

    public List<byte[]> Inclusion(long index, long treeSize) => MerkleTree.InclusionProof(index, treeSize, Node);

    public List<byte[]> Consistency(long fromSize, long toSize) => MerkleTree.ConsistencyProof(fromSize, toSize, Node);

    private byte[] Node(int level, long index) => tiles.Node(db, level, index);

    public static SignedTreeHeadDto ToDto(AuditTreeHead h) => new(h.TreeSize, h.TimestampUnixMs, h.RootHash, h.Signature);

    public static AuditEntryDto ToDto(AuditEntry e) => new(e.Index, e.TimeUnixMs, e.Action, e.Allowed, e.FamilySeq,
        e.Commitment,
        e.Salt is null ? null : new AuditFieldsDto(e.ActorUserId, e.ActorDeviceId, e.ActorRole ?? "", e.FamilyId,
            e.Resource ?? "", e.Purpose ?? "", e.RequestId ?? ""),
        e.Salt);
}
