using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Audit;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Identity;

namespace Vault.Server.Audit;

/// <summary>Perfect subtree hashes never change once written, so any node read is cached for good (bounded).</summary>
public sealed class AuditNodeCache
{
    private const int Capacity = 262_144;
    private readonly ConcurrentDictionary<(int, long), byte[]> nodes = new();

    public byte[] Get(VaultDbContext db, int level, long index)
    {
        if (nodes.TryGetValue((level, index), out var hash))
        {
            return hash;
        }
        hash = db.AuditNodes.AsNoTracking().Where(n => n.Level == level && n.Index == index).Select(n => n.Hash)
            .FirstOrDefault() ?? throw new InvalidOperationException("The audit tree is missing a node.");
        if (nodes.Count >= Capacity)
        {
            nodes.Clear();
        }
        nodes[(level, index)] = hash;
        return hash;
    }
}

/// <summary>The read side of the audit log: signed tree heads and proofs, computed from stored perfect subtrees.</summary>
public sealed class AuditTree(VaultDbContext db, AuditNodeCache cache, ServerSecrets secrets, TimeProvider clock)
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

    private byte[] Node(int level, long index) => cache.Get(db, level, index);

    public static SignedTreeHeadDto ToDto(AuditTreeHead h) => new(h.TreeSize, h.TimestampUnixMs, h.RootHash, h.Signature);

    public static AuditEntryDto ToDto(AuditEntry e) => new(e.Index, e.TimeUnixMs, e.Action, e.Allowed, e.FamilySeq,
        e.Commitment,
        e.Salt is null ? null : new AuditFieldsDto(e.ActorUserId, e.ActorDeviceId, e.ActorRole ?? "", e.FamilyId,
            e.Resource ?? "", e.Purpose ?? "", e.RequestId ?? ""),
        e.Salt);
}
