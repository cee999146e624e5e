using Vault.Crypto;

namespace Vault.Crypto.Tests;

/// <summary>
/// The audit log's Merkle tree against RFC 6962/9162: the Certificate Transparency reference leaves, roots and
/// proofs (as published with transparency-dev/merkle), then every tree shape up to 40 leaves against a direct
/// transcription of the RFC's recursive definitions, with the corrupted-proof probes CT uses.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] ReferenceLeaves = new[]
        { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
        .Select(Convert.FromHexString).ToArray();

    private static readonly string[] ReferenceRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// <summary>(leaf index, tree size, proof) from the CT reference data (there with 1-based leaf numbers).</summary>
    public static TheoryData<long, long, string[]> ReferenceInclusion => new()
    {
        { 0, 1, [] },
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> ReferenceConsistency => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
        { 2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
    };

    [Fact]
    public void Root_ReferenceLeaves_MatchesPublishedRootForEverySize()
    {
        var tree = NodeStore.Of(ReferenceLeaves);
        for (var size = 0; size <= ReferenceLeaves.Length; size++)
        {
            Assert.Equal(ReferenceRoots[size], Convert.ToHexStringLower(tree.Root(size)));
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceInclusion))]
    public void InclusionProof_ReferenceCases_MatchesPublishedProofAndVerifies(long index, long size, string[] expected)
    {
        var tree = NodeStore.Of(ReferenceLeaves);
        var proof = MerkleTree.InclusionProof(index, size, tree.Node);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyInclusion(MerkleTree.LeafHash(ReferenceLeaves[index]), index, size, proof,
            Convert.FromHexString(ReferenceRoots[size])));
    }

    [Theory]
    [MemberData(nameof(ReferenceConsistency))]
    public void ConsistencyProof_ReferenceCases_MatchesPublishedProofAndVerifies(long first, long second, string[] expected)
    {
        var tree = NodeStore.Of(ReferenceLeaves);
        var proof = MerkleTree.ConsistencyProof(first, second, tree.Node);
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleTree.VerifyConsistency(first, second, proof, Convert.FromHexString(ReferenceRoots[first]),
            Convert.FromHexString(ReferenceRoots[second])));
    }

    [Fact]
    public void Proofs_EveryShapeUpTo40Leaves_EqualTheRfcDefinitionsAndVerify()
    {
        var leaves = Enumerable.Range(0, 40).Select(i => new[] { (byte)i, (byte)(i * 7) }).ToArray();
        var tree = NodeStore.Of(leaves);
        var hashes = leaves.Select(l => MerkleTree.LeafHash(l)).ToArray();
        for (var n = 1; n <= leaves.Length; n++)
        {
            var root = Rfc.Mth(hashes[..n]);
            Assert.Equal(root, tree.Root(n));
            for (var m = 0; m < n; m++)
            {
                var proof = MerkleTree.InclusionProof(m, n, tree.Node);
                Assert.Equal(Rfc.Path(m, hashes[..n]), proof);
                Assert.True(MerkleTree.VerifyInclusion(hashes[m], m, n, proof, root), $"inclusion {m} in {n}");
            }
            for (var m = 1; m <= n; m++)
            {
                var proof = MerkleTree.ConsistencyProof(m, n, tree.Node);
                Assert.Equal(Rfc.SubProof(m, hashes[..n], true), proof);
                Assert.True(MerkleTree.VerifyConsistency(m, n, proof, Rfc.Mth(hashes[..m]), root), $"consistency {m} to {n}");
            }
        }
    }

    [Fact]
    public void VerifyInclusion_CorruptedProbes_AllRejected()
    {
        var leaves = Enumerable.Range(0, 21).Select(i => new[] { (byte)i }).ToArray();
        var tree = NodeStore.Of(leaves);
        for (var n = 1; n <= leaves.Length; n++)
        {
            var root = tree.Root(n);
            for (var m = 0; m < n; m++)
            {
                var leaf = MerkleTree.LeafHash(leaves[m]);
                var proof = MerkleTree.InclusionProof(m, n, tree.Node);
                foreach (var (index, size, probeLeaf, probe, what) in CorruptInclusion(m, n, leaf, proof))
                {
                    Assert.False(MerkleTree.VerifyInclusion(probeLeaf, index, size, probe, root), $"{what}: leaf {m} of {n}");
                }
            }
        }
    }

    [Fact]
    public void VerifyConsistency_CorruptedProbes_AllRejected()
    {
        var leaves = Enumerable.Range(0, 21).Select(i => new[] { (byte)i }).ToArray();
        var tree = NodeStore.Of(leaves);
        for (var n = 2; n <= leaves.Length; n++)
        {
            for (var m = 1; m < n; m++)
            {
                var (first, second) = (tree.Root(m), tree.Root(n));
                var proof = MerkleTree.ConsistencyProof(m, n, tree.Node);
                foreach (var (a, b, probe, what) in CorruptConsistency(m, n, proof))
                {
                    Assert.False(MerkleTree.VerifyConsistency(a, b, probe, first, second), $"{what}: {m} to {n}");
                }
                Assert.False(MerkleTree.VerifyConsistency(m, n, proof, Flip(first), second), $"wrong first root: {m} to {n}");
                Assert.False(MerkleTree.VerifyConsistency(m, n, proof, first, Flip(second)), $"wrong second root: {m} to {n}");
            }
        }
        Assert.False(MerkleTree.VerifyConsistency(3, 3, [], tree.Root(3), tree.Root(4)));
        Assert.False(MerkleTree.VerifyConsistency(4, 3, [], tree.Root(4), tree.Root(3)));
    }

    [Fact]
    public void CompletedNodes_AppendingOneByOne_WritesEachNodeOnceAndAmortisedConstant()
    {
        var store = new NodeStore();
        var written = 0;
        for (var i = 0; i < 1024; i++)
        {
            foreach (var (level, index, hash) in MerkleTree.CompletedNodes(i, MerkleTree.LeafHash([(byte)i]), store.Node))
            {
                Assert.True(store.Nodes.TryAdd((level, index), hash), $"node ({level}, {index}) written twice");
                written++;
            }
        }
        Assert.Equal(2047, written); // a perfect tree of 1024 leaves has 2047 nodes: under two per append
    }

    private static IEnumerable<(long, long, byte[], List<byte[]>, string)> CorruptInclusion(long m, long n, byte[] leaf, List<byte[]> proof)
    {
        yield return (m - 1, n, leaf, proof, "index - 1");
        yield return (m + 1, n, leaf, proof, "index + 1");
        yield return (m ^ 2, n, leaf, proof, "index ^ 2");
        yield return (m, n * 2, leaf, proof, "size * 2");
        yield return (m, n / 2, leaf, proof, "size / 2");
        yield return (m, n, Flip(leaf), proof, "wrong leaf");
        yield return (m, n, MerkleTree.EmptyRoot, proof, "empty leaf");
        yield return (m, n, leaf, [.. proof, MerkleTree.EmptyRoot], "extended with empty hash");
        yield return (m, n, leaf, [.. proof, leaf], "extended with the leaf");
        yield return (m, n, leaf, [MerkleTree.EmptyRoot, .. proof], "prepended with empty hash");
        if (proof.Count > 0)
        {
            yield return (m, n, leaf, proof[..^1], "last element dropped");
            yield return (m, n, leaf, proof[1..], "first element dropped");
            for (var i = 0; i < proof.Count; i++)
            {
                yield return (m, n, leaf, [.. proof[..i], Flip(proof[i]), .. proof[(i + 1)..]], $"element {i} flipped");
            }
        }
    }

    private static IEnumerable<(long, long, List<byte[]>, string)> CorruptConsistency(long m, long n, List<byte[]> proof)
    {
        yield return (m - 1, n, proof, "first - 1");
        yield return (m + 1, n, proof, "first + 1");
        yield return (m ^ 2, n, proof, "first ^ 2");
        yield return (m, n * 2, proof, "second * 2");
        yield return (m, n / 2, proof, "second / 2");
        yield return (m, n, [], "empty proof");
        yield return (m, n, [.. proof, MerkleTree.EmptyRoot], "extended with empty hash");
        yield return (m, n, [MerkleTree.EmptyRoot, .. proof], "prepended with empty hash");
        yield return (m, n, proof[..^1], "last element dropped");
        for (var i = 0; i < proof.Count; i++)
        {
            yield return (m, n, [.. proof[..i], Flip(proof[i]), .. proof[(i + 1)..]], $"element {i} flipped");
        }
    }

    private static byte[] Flip(byte[] hash)
    {
        var copy = (byte[])hash.Clone();
        copy[0] ^= 1;
        return copy;
    }

    /// <summary>Stored perfect subtrees, filled the way the server's audit writer fills them.</summary>
    private sealed class NodeStore
    {
        public Dictionary<(int, long), byte[]> Nodes { get; } = [];

        public static NodeStore Of(IEnumerable<byte[]> leaves)
        {
            var store = new NodeStore();
            var i = 0L;
            foreach (var leaf in leaves)
            {
                foreach (var (level, index, hash) in MerkleTree.CompletedNodes(i++, MerkleTree.LeafHash(leaf), store.Node))
                {
                    store.Nodes[(level, index)] = hash;
                }
            }
            return store;
        }

        public byte[] Node(int level, long index) => Nodes[(level, index)];

        public byte[] Root(long size) => size == 0 ? MerkleTree.EmptyRoot : MerkleTree.RangeHash(0, size, Node);
    }

    /// <summary>RFC 9162 section 2.1 written out over a list of leaf hashes, independent of stored nodes.</summary>
    private static class Rfc
    {
        private static int K(int n)
        {
            var k = 1;
            while (k * 2 < n)
            {
                k *= 2;
            }
            return k;
        }

        public static byte[] Mth(byte[][] d) => d.Length switch
        {
            0 => MerkleTree.EmptyRoot,
            1 => d[0],
            _ => MerkleTree.NodeHash(Mth(d[..K(d.Length)]), Mth(d[K(d.Length)..])),
        };

        public static List<byte[]> Path(int m, byte[][] d)
        {
            if (d.Length <= 1)
            {
                return [];
            }
            var k = K(d.Length);
            return m < k ? [.. Path(m, d[..k]), Mth(d[k..])] : [.. Path(m - k, d[k..]), Mth(d[..k])];
        }

        public static List<byte[]> SubProof(int m, byte[][] d, bool b)
        {
            if (m == d.Length)
            {
                return b ? [] : [Mth(d)];
            }
            var k = K(d.Length);
            return m <= k ? [.. SubProof(m, d[..k], b), Mth(d[k..])] : [.. SubProof(m - k, d[k..], false), Mth(d[..k])];
        }
    }
}
