using System.Text;
using BenchmarkDotNet.Attributes;
using Vault.Crypto;

namespace Vault.Benchmarks;

/// <summary>
/// (c) Micro-benchmarks of the per-message and per-audit-entry cryptography in Vault.Crypto: what a sender, the
/// server and each receiver pay for one message, and what the audit log pays per append and per proof.
/// </summary>
[MemoryDiagnoser]
public class CryptoBenchmarks : IDisposable
{
    private const long TreeSize = 1 << 16;
    private readonly Dictionary<(int, long), byte[]> nodes = [];
    private DeviceKeys sender = null!;
    private byte[] key = null!, envelope = null!, plaintext = null!, leaf = null!, root = null!;
    private EnvelopeHeader header = null!;
    private List<byte[]> inclusion = null!;

    [GlobalSetup]
    public void Setup()
    {
        sender = DeviceKeys.Generate();
        key = KeyWrap.NewEpochKey();
        header = new EnvelopeHeader(Guid.NewGuid(), Guid.NewGuid(), 1, Guid.NewGuid(), Guid.NewGuid(), "message", null);
        plaintext = Encoding.UTF8.GetBytes("""{"text":"Zullen we dinsdag om tien uur afspreken bij de school?"}""");
        envelope = MessageEnvelope.Seal(header, plaintext, key, sender);
        for (long i = 0; i < TreeSize; i++)
        {
            foreach (var (level, index, hash) in MerkleTree.CompletedNodes(i, MerkleTree.LeafHash(BitConverter.GetBytes(i)), Node))
            {
                nodes[(level, index)] = hash;
            }
        }
        leaf = MerkleTree.LeafHash(BitConverter.GetBytes(TreeSize / 3));
        root = MerkleTree.RangeHash(0, TreeSize, Node);
        inclusion = MerkleTree.InclusionProof(TreeSize / 3, TreeSize, Node);
    }

    private byte[] Node(int level, long index) => nodes[(level, index)];

    [Benchmark(Description = "MessageEnvelope.Seal (sender: pad, XChaCha20-Poly1305, Ed25519 sign)")]
    public byte[] Seal() => MessageEnvelope.Seal(header, plaintext, key, sender);

    [Benchmark(Description = "MessageEnvelope.VerifySignature (server, per send)")]
    public bool Verify() => MessageEnvelope.VerifySignature(header, envelope, sender.SigningPublicKey);

    [Benchmark(Description = "MessageEnvelope.Open (receiver: verify, decrypt, unpad)")]
    public byte[] Open() => MessageEnvelope.Open(header, envelope, key, sender.SigningPublicKey);

    [Benchmark(Description = "MerkleTree append: leaf hash + completed nodes (amortised over 1,024 appends)", OperationsPerInvoke = 1024)]
    public int Append()
    {
        var count = 0;
        for (long i = 0; i < 1024; i++)
        {
            foreach (var _ in MerkleTree.CompletedNodes(i, MerkleTree.LeafHash(BitConverter.GetBytes(i)), Node))
            {
                count++;
            }
        }
        return count;
    }

    [Benchmark(Description = "MerkleTree.InclusionProof, 65,536 leaves")]
    public List<byte[]> Inclusion() => MerkleTree.InclusionProof(TreeSize / 3, TreeSize, Node);

    [Benchmark(Description = "MerkleTree.VerifyInclusion, 65,536 leaves")]
    public bool VerifyInclusion() => MerkleTree.VerifyInclusion(leaf, TreeSize / 3, TreeSize, inclusion, root);

    [Benchmark(Description = "MerkleTree.ConsistencyProof 40,000 → 65,536")]
    public List<byte[]> Consistency() => MerkleTree.ConsistencyProof(40_000, TreeSize, Node);

    public void Dispose()
    {
        sender?.Dispose();
        GC.SuppressFinalize(this);
    }
}
