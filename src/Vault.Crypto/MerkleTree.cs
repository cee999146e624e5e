using System.Numerics;
using System.Security.Cryptography;

namespace Vault.Crypto;

/// <summary>
/// RFC 9162 (Certificate Transparency 2.0) Merkle tree over SHA-256: leaf hash H(0x00 | data), node hash
/// H(0x01 | left | right), the empty tree hashes to H(""). Proofs are built from stored perfect, aligned
/// subtrees ("nodes": level 0 are leaves, node (l, i) covers leaves i·2^l … (i+1)·2^l − 1), which never change once
/// complete; so building a proof reads O(log n) nodes and appending a leaf writes amortised O(1) of them.
/// Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.
/// </summary>
public static class MerkleTree
{
    public const int HashBytes = 32;

    /// <summary>Looks up the stored hash of the complete node at (level, index).</summary>
    public delegate byte[] NodeLookup(int level, long index);

    public static readonly byte[] EmptyRoot = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var input = new byte[1 + data.Length];
        data.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * HashBytes];
        input[0] = 1;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashBytes)..]);
        return SHA256.HashData(input);
    }

    /// <summary>
    /// The nodes that appending leaf <paramref name="index"/> completes: the leaf itself, then each perfect subtree
    /// it closes, combining with left siblings that are already complete.
    /// </summary>
    public static IEnumerable<(int Level, long Index, byte[] Hash)> CompletedNodes(long index, byte[] leafHash, NodeLookup node)
    {
        var hash = leafHash;
        var level = 0;
        var position = index;
        yield return (0, index, hash);
        while ((position & 1) == 1)
        {
            hash = NodeHash(node(level, position - 1), hash);
            level++;
            position >>= 1;
            yield return (level, position, hash);
        }
    }

    /// <summary>MTH(D[start:end]) for a range whose start is aligned as RFC 9162's recursion leaves it.</summary>
    public static byte[] RangeHash(long start, long end, NodeLookup node)
    {
        var n = end - start;
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "A range hash needs at least one leaf.");
        }
        if (BitOperations.IsPow2(n) && start % n == 0)
        {
            var level = BitOperations.Log2((ulong)n);
            return node(level, start >> level);
        }
        var k = SplitPoint(n);
        return NodeHash(RangeHash(start, start + k, node), RangeHash(start + k, end, node));
    }

    /// <summary>RFC 9162 2.1.3.1 PATH(m, D[n]).</summary>
    public static List<byte[]> InclusionProof(long index, long treeSize, NodeLookup node)
    {
        if (index < 0 || index >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "The leaf is not in the tree.");
        }
        var proof = new List<byte[]>();
        Path(index, 0, treeSize, node, proof);
        return proof;
    }

    private static void Path(long m, long start, long end, NodeLookup node, List<byte[]> proof)
    {
        var n = end - start;
        if (n <= 1)
        {
            return;
        }
        var k = SplitPoint(n);
        if (m < k)
        {
            Path(m, start, start + k, node, proof);
            proof.Add(RangeHash(start + k, end, node));
        }
        else
        {
            Path(m - k, start + k, end, node, proof);
            proof.Add(RangeHash(start, start + k, node));
        }
    }

    /// <summary>RFC 9162 2.1.4.1 PROOF(m, D[n]).</summary>
    public static List<byte[]> ConsistencyProof(long fromSize, long toSize, NodeLookup node)
    {
        if (fromSize < 1 || fromSize > toSize)
        {
            throw new ArgumentOutOfRangeException(nameof(fromSize), "Sizes must satisfy 1 ≤ from ≤ to.");
        }
        var proof = new List<byte[]>();
        SubProof(fromSize, 0, toSize, true, node, proof);
        return proof;
    }

    private static void SubProof(long m, long start, long end, bool b, NodeLookup node, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!b)
            {
                proof.Add(RangeHash(start, end, node));
            }
            return;
        }
        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, b, node, proof);
            proof.Add(RangeHash(start + k, end, node));
        }
        else
        {
            SubProof(m - k, start + k, end, false, node, proof);
            proof.Add(RangeHash(start, start + k, node));
        }
    }

    /// <summary>RFC 9162 2.1.3.2: verifying an inclusion proof.</summary>
    public static bool VerifyInclusion(byte[] leafHash, long index, long treeSize, IReadOnlyList<byte[]> proof, byte[] rootHash)
    {
        if (index < 0 || index >= treeSize || proof.Any(p => p.Length != HashBytes))
        {
            return false;
        }
        var fn = index;
        var sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, rootHash);
    }

    /// <summary>RFC 9162 2.1.4.2: verifying a consistency proof between two tree heads.</summary>
    public static bool VerifyConsistency(long firstSize, long secondSize, IReadOnlyList<byte[]> proof, byte[] firstRoot, byte[] secondRoot)
    {
        if (firstSize < 0 || firstSize > secondSize || proof.Any(p => p.Length != HashBytes))
        {
            return false;
        }
        if (firstSize == secondSize)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot);
        }
        if (firstSize == 0)
        {
            return proof.Count == 0; // the empty tree is a prefix of every tree
        }
        if (proof.Count == 0)
        {
            return false;
        }
        var path = BitOperations.IsPow2(firstSize) ? [firstRoot, .. proof] : proof.ToList();
        var fn = firstSize - 1;
        var sn = secondSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, firstRoot)
               && CryptographicOperations.FixedTimeEquals(sr, secondRoot);
    }

    /// <summary>The largest power of two smaller than n (n ≥ 2).</summary>
    private static long SplitPoint(long n) => (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;
}
