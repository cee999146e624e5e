using Sodium;
using Vault.Contracts.Audit;
using Vault.Crypto;

namespace Vault.Client.Tests;

/// <summary>
/// The SDK's audit verifier against a server that lies: heads it did not sign, a log that shrank, a history that was
/// rewritten and re-signed (the operator holds the key), entries that are missing or not in the signed tree.
/// </summary>
public sealed class AuditVerifierTests
{
    private static readonly KeyPair AuditKey = PublicKeyAuth.GenerateKeyPair(Enumerable.Repeat((byte)7, 32).ToArray());

    [Fact]
    public void AcceptHead_SignedByAnotherKey_Refused()
    {
        var log = Log.Of(4);
        var forged = log.Head(4, PublicKeyAuth.GenerateKeyPair().PrivateKey);
        var failure = new AuditVerifier(AuditKey.PublicKey, null, null, -1).AcceptHead(forged, null);
        Assert.Contains("not signed", failure?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptHead_ProvenExtensionOfTheHeadSeenBefore_Accepted()
    {
        var log = Log.Of(11);
        var verifier = new AuditVerifier(AuditKey.PublicKey, log.Head(6), null, -1);
        Assert.Null(verifier.AcceptHead(log.Head(11), log.Consistency(6, 11)));
        Assert.Equal(11, verifier.Head!.TreeSize);
    }

    [Fact]
    public void AcceptHead_HistoryRewrittenAndReSigned_Refused()
    {
        var seen = Log.Of(6).Head(6);
        var rewritten = Log.Of(11, tamperedLeaf: 2); // same size-6 prefix but leaf 2 changed, validly signed
        var verifier = new AuditVerifier(AuditKey.PublicKey, seen, null, -1);
        var failure = verifier.AcceptHead(rewritten.Head(11), rewritten.Consistency(6, 11));
        Assert.Contains("history was rewritten", failure?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptHead_LogShrankOrProofMissing_Refused()
    {
        var log = Log.Of(9);
        Assert.NotNull(new AuditVerifier(AuditKey.PublicKey, log.Head(9), null, -1).AcceptHead(log.Head(5), null));
        Assert.NotNull(new AuditVerifier(AuditKey.PublicKey, log.Head(5), null, -1).AcceptHead(log.Head(9), null));
        Assert.NotNull(new AuditVerifier(AuditKey.PublicKey, log.Head(5), null, -1).AcceptHead(log.Head(9), log.Consistency(4, 9)));
    }

    [Fact]
    public void Check_EntriesInOrder_AllPassAndFinishIsClean()
    {
        var log = Log.Of(7);
        var verifier = new AuditVerifier(AuditKey.PublicKey, null, null, -1);
        Assert.Null(verifier.AcceptHead(log.Head(7), null));
        for (var i = 0; i < 7; i++)
        {
            Assert.Null(verifier.Check(log.Entry(i, 7)));
        }
        Assert.Null(verifier.Finish());
        Assert.Equal(7, verifier.Checked);
    }

    [Fact]
    public void Check_LastEntryWithheld_FinishNamesIt()
    {
        var log = Log.Of(7);
        var verifier = new AuditVerifier(AuditKey.PublicKey, null, null, -1);
        verifier.AcceptHead(log.Head(7), null);
        for (var i = 0; i < 6; i++)
        {
            Assert.Null(verifier.Check(log.Entry(i, 7)));
        }
        Assert.Contains("entry #6 is missing", verifier.Finish()?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EntryWithProofFromAnotherPosition_NamesIt()
    {
        var log = Log.Of(8);
        var verifier = new AuditVerifier(AuditKey.PublicKey, null, null, -1);
        verifier.AcceptHead(log.Head(8), null);
        Assert.Null(verifier.Check(log.Entry(0, 8)));
        var moved = log.Entry(1, 8) with { InclusionProof = log.Entry(2, 8).InclusionProof };
        Assert.Contains("entry #1", verifier.Check(moved)?.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A small audit log built with the same leaf encoding and tree as the server's.</summary>
    private sealed class Log
    {
        private readonly List<AuditEntryDto> entries = [];
        private readonly Dictionary<(int, long), byte[]> nodes = [];

        public static Log Of(int size, int tamperedLeaf = -1)
        {
            var log = new Log();
            for (var i = 0; i < size; i++)
            {
                var fields = new Contracts.Audit.AuditFieldsDto(Guid.Empty, null, "guardian", null, i == tamperedLeaf ? "anders" : $"resource/{i}", "", "");
                var salt = Enumerable.Repeat((byte)i, 32).ToArray();
                var commitment = AuditLeaf.Commitment(new AuditPersonalFields(null, null, fields.ActorRole, null, fields.Resource, "", ""), salt);
                var entry = new AuditEntryDto(i, 1_764_000_000_000 + i, "family.read", true, 0, commitment,
                    fields with { ActorUserId = null }, salt);
                log.entries.Add(entry);
                var leaf = MerkleTree.LeafHash(AuditLeaf.Encode(entry.TimeUnixMs, entry.Action, entry.Allowed, entry.FamilySeq, commitment));
                foreach (var (level, index, hash) in MerkleTree.CompletedNodes(i, leaf, (l, x) => log.nodes[(l, x)]))
                {
                    log.nodes[(level, index)] = hash;
                }
            }
            return log;
        }

        public SignedTreeHeadDto Head(long size, byte[]? key = null)
        {
            var head = TreeHead.Sign(size, 1_764_000_100_000 + size, MerkleTree.RangeHash(0, size, Node), key ?? AuditKey.PrivateKey);
            return new SignedTreeHeadDto(head.TreeSize, head.TimestampUnixMs, head.RootHash, head.Signature);
        }

        public ConsistencyProofDto Consistency(long from, long to) => new(from, to, MerkleTree.ConsistencyProof(from, to, Node));

        public AuditEntryWithProof Entry(int index, long size) => new(entries[index], MerkleTree.InclusionProof(index, size, Node));

        private byte[] Node(int level, long index) => nodes[(level, index)];
    }
}
