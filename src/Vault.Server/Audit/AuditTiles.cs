using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Vault.Crypto;
using Vault.Server.Data;

namespace Vault.Server.Audit;

/// <summary>
/// The Merkle tree stored as tiles (C2SP tlog-tiles): tile (L, N) holds up to 256 consecutive hashes of tree level 8·L,
/// those at positions N·256 … N·256+255; a tile is full (and never changes again) at 256, partial before. Every other
/// node is recomputed from the 2^k hashes of one tile below it, so a proof reads O(log n) tiles, and a batch of appends
/// writes the one or two tiles at the right edge of each level instead of a row per node.
/// </summary>
public sealed class AuditTile
{
    public const int Height = 8;
    public const int Width = 1 << Height;

    public int Level { get; set; }
    public long Index { get; set; }

    /// <summary>32 bytes per hash, 1 to 256 of them.</summary>
    public required byte[] Hashes { get; set; }
}

/// <summary>Reads nodes from tiles for proofs and tree heads. Full tiles never change, so they are kept (bounded).</summary>
public sealed class TileStore
{
    private const int Capacity = 4096; // full tiles, 8 KiB each
    private readonly ConcurrentDictionary<(int, long), byte[]> full = new();

    /// <summary>The complete node (level, index), from the tile holding the hashes under it.</summary>
    public byte[] Node(VaultDbContext db, int level, long index)
    {
        var tileLevel = level / AuditTile.Height;
        var height = level % AuditTile.Height;
        var first = index << height; // first hash under the node, on level 8·tileLevel
        var tileIndex = first >> AuditTile.Height;
        var hashes = Tile(db, tileLevel, tileIndex, needed: (int)(first - (tileIndex << AuditTile.Height)) + (1 << height));
        return Subtree(hashes, (int)(first - (tileIndex << AuditTile.Height)), height);
    }

    /// <summary>The hash of the perfect subtree of 2^height hashes starting at <paramref name="start"/> within a tile.</summary>
    public static byte[] Subtree(byte[] tile, int start, int height)
    {
        if (height == 0)
        {
            return tile.AsSpan(start * MerkleTree.HashBytes, MerkleTree.HashBytes).ToArray();
        }
        var half = 1 << (height - 1);
        return MerkleTree.NodeHash(Subtree(tile, start, height - 1), Subtree(tile, start + half, height - 1));
    }

    private byte[] Tile(VaultDbContext db, int level, long index, int needed)
    {
        if (full.TryGetValue((level, index), out var cached))
        {
            return cached;
        }
        var hashes = db.Set<AuditTile>().AsNoTracking().Where(t => t.Level == level && t.Index == index).Select(t => t.Hashes)
            .FirstOrDefault();
        if (hashes is null || hashes.Length < needed * MerkleTree.HashBytes)
        {
            throw new InvalidOperationException("The audit tree is missing a node.");
        }
        if (hashes.Length == AuditTile.Width * MerkleTree.HashBytes)
        {
            if (full.Count >= Capacity)
            {
                full.Clear();
            }
            full[(level, index)] = hashes;
        }
        return hashes;
    }
}

/// <summary>
/// The right edge of every tile level, in memory, for the writer: appending a node at a level that is a multiple of 8
/// adds it to that level's partial tile; <see cref="Dirty"/> lists the tiles a batch must write.
/// </summary>
internal sealed class TileEdge
{
    private readonly Dictionary<int, (long Index, List<byte[]> Hashes)> edge = [];
    private readonly HashSet<int> dirty = [];
    private readonly List<AuditTile> filled = []; // tiles that filled up (and were left behind) since the last Dirty()

    /// <summary>A copy to work on: a batch that fails leaves the committed edge as it was.</summary>
    public TileEdge Clone()
    {
        var copy = new TileEdge();
        copy.dirty.UnionWith(dirty);
        copy.filled.AddRange(filled);
        foreach (var (level, (index, hashes)) in edge)
        {
            copy.edge[level] = (index, [.. hashes]);
        }
        return copy;
    }

    /// <summary>The tiles at the right edge of a tree of <paramref name="size"/> leaves, read back from the database.</summary>
    public static async Task<TileEdge> LoadAsync(VaultDbContext db, long size, CancellationToken ct)
    {
        var result = new TileEdge();
        for (var level = 0; (size >> (AuditTile.Height * level)) > 0; level++)
        {
            var count = size >> (AuditTile.Height * level); // complete nodes of tree level 8·level
            var index = count >> AuditTile.Height;
            var width = (int)(count & (AuditTile.Width - 1));
            if (width == 0)
            {
                continue;
            }
            var stored = await db.Set<AuditTile>().AsNoTracking().Where(t => t.Level == level && t.Index == index)
                .Select(t => t.Hashes).FirstOrDefaultAsync(ct) ?? throw new InvalidOperationException("The audit tree is missing a tile.");
            result.edge[level] = (index, Enumerable.Range(0, width)
                .Select(i => stored.AsSpan(i * MerkleTree.HashBytes, MerkleTree.HashBytes).ToArray()).ToList());
        }
        return result;
    }

    /// <summary>A complete node; only those on levels 0, 8, 16 … are kept in tiles.</summary>
    public void Add(int level, long index, byte[] hash)
    {
        if (level % AuditTile.Height != 0)
        {
            return;
        }
        var tileLevel = level / AuditTile.Height;
        var tileIndex = index >> AuditTile.Height;
        if (!edge.TryGetValue(tileLevel, out var tile) || tile.Index != tileIndex)
        {
            if (dirty.Remove(tileLevel))
            {
                filled.Add(ToTile(tileLevel, tile));
            }
            tile = (tileIndex, []);
        }
        tile.Hashes.Add(hash);
        edge[tileLevel] = tile;
        dirty.Add(tileLevel);
    }

    /// <summary>The tiles changed since the last call, as they are now.</summary>
    public List<AuditTile> Dirty()
    {
        var tiles = filled.Concat(dirty.Select(level => ToTile(level, edge[level]))).ToList();
        filled.Clear();
        dirty.Clear();
        return tiles;
    }

    private static AuditTile ToTile(int level, (long Index, List<byte[]> Hashes) tile) =>
        new() { Level = level, Index = tile.Index, Hashes = tile.Hashes.SelectMany(h => h).ToArray() };
}

/// <summary>Tiles for a log written before there were tiles, from its leaves: every leaf's hash is in its entry.</summary>
internal static class TileRebuild
{
    public static async Task RunAsync(VaultDbContext db, long size, CancellationToken ct)
    {
        var edge = new TileEdge();
        var frontier = new Dictionary<(int, long), byte[]>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        for (long from = 0; from < size; from += 10_000)
        {
            var leaves = await db.AuditEntries.AsNoTracking().Where(e => e.Index >= from && e.Index < from + 10_000).OrderBy(e => e.Index)
                .Select(e => new { e.Index, e.TimeUnixMs, e.Action, e.Allowed, e.FamilySeq, e.Commitment }).ToListAsync(ct);
            foreach (var e in leaves)
            {
                var leaf = MerkleTree.LeafHash(AuditLeaf.Encode(e.TimeUnixMs, e.Action, e.Allowed, e.FamilySeq, e.Commitment));
                foreach (var (level, index, hash) in MerkleTree.CompletedNodes(e.Index, leaf, (l, i) => frontier[(l, i)]).ToList())
                {
                    frontier[(level, index)] = hash;
                    frontier.Remove((level, index - 2)); // two to the left is never a sibling again
                    edge.Add(level, index, hash);
                }
            }
        }
        db.Set<AuditTile>().AddRange(edge.Dirty()); // every tile, full and partial (32 MB per million entries, once)
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
