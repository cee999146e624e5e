using System.Security.Cryptography;

namespace Vault.Crypto;

/// <summary>
/// A document version's ciphertext is <see cref="FileEncryption"/>'s layout: header(24) | chunks of up to 64 KiB + 17,
/// the last one tagged FINAL. It travels and is hashed in blocks of 128 chunks (the first block also carries the
/// header), so an upload resumes at a block boundary and its hash needs no state that cannot be written down: the
/// content hash is SHA-256 over the SHA-256 of every block, in order.
/// </summary>
public static class DocumentFormat
{
    public const int ChunksPerBlock = 128;
    public const long ChunkCiphertextBytes = FileEncryption.ChunkBytes + FileEncryption.ABytes;
    public const long BlockBytes = ChunksPerBlock * ChunkCiphertextBytes;

    /// <summary>
    /// Chunks a plaintext of this length encrypts to, as <see cref="FileEncryption"/> writes them: full chunks, the last one
    /// FINAL (an empty file is one empty FINAL chunk; a file of exactly 64 KiB is one full FINAL chunk).
    /// </summary>
    public static long ChunkCount(long plaintextLength) =>
        Math.Max(1, (plaintextLength + FileEncryption.ChunkBytes - 1) / FileEncryption.ChunkBytes);

    public static long CiphertextLength(long plaintextLength) =>
        FileEncryption.HeaderBytes + plaintextLength + FileEncryption.ABytes * ChunkCount(plaintextLength);

    /// <summary>The plaintext length a ciphertext of this length holds, or -1 when no plaintext encrypts to it.</summary>
    public static long PlaintextLength(long ciphertextLength)
    {
        var body = ciphertextLength - FileEncryption.HeaderBytes;
        if (body < FileEncryption.ABytes)
        {
            return -1;
        }
        var chunks = (body + ChunkCiphertextBytes - 1) / ChunkCiphertextBytes;
        var plaintext = body - chunks * FileEncryption.ABytes;
        return ChunkCount(plaintext) == chunks ? plaintext : -1;
    }

    /// <summary>Where block <paramref name="index"/> begins in the ciphertext.</summary>
    public static long BlockStart(long index) => index == 0 ? 0 : FileEncryption.HeaderBytes + index * BlockBytes;

    /// <summary>The length of block <paramref name="index"/> in a ciphertext of <paramref name="ciphertextLength"/> bytes.</summary>
    public static long BlockLength(long index, long ciphertextLength) =>
        Math.Max(0, Math.Min(BlockStart(index + 1), ciphertextLength) - BlockStart(index));

    /// <summary>Blocks of a ciphertext: 128 chunks each, the last one holding the rest.</summary>
    public static long BlockCount(long plaintextLength) => (ChunkCount(plaintextLength) + ChunksPerBlock - 1) / ChunksPerBlock;

    /// <summary>The content hash from the block hashes, in order.</summary>
    public static byte[] ContentHash(IEnumerable<byte[]> blockHashes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in blockHashes)
        {
            hash.AppendData(block);
        }
        return hash.GetHashAndReset();
    }
}

/// <summary>
/// What the uploading device signs about one version: which family, category, document and version, which upload
/// holds it, the epoch whose key wraps the file key, the sizes, the content hash, and the hashes of the file-key box
/// and the metadata box. A reader checks this signature, then the boxes' hashes, then the content as it streams.
/// </summary>
public sealed record DocumentManifest(Guid FamilyId, string Category, Guid DocumentId, int Version, Guid UploadId, int Epoch,
    long Size, long ChunkCount, byte[] ContentHash, byte[] KeyBoxHash, byte[] MetadataBoxHash)
{
    public byte[] SignedBytes() =>
        new Canonical("vault.doc.v1").Id(FamilyId).Text(Category).Id(DocumentId).U32(checked((uint)Version)).Id(UploadId)
            .U32(checked((uint)Epoch)).I64(Size).I64(ChunkCount).Raw(Check(ContentHash)).Raw(Check(KeyBoxHash))
            .Raw(Check(MetadataBoxHash)).ToArray();

    public static byte[] Hash(ReadOnlySpan<byte> box) => SHA256.HashData(box);

    /// <summary>The label that binds a file-key box to its document and upload (so no box can be moved to another).</summary>
    public static string KeyLabel(Guid documentId, Guid uploadId) => $"doc-key:{documentId:D}:{uploadId:D}";

    public static string MetadataLabel(Guid documentId, Guid uploadId) => $"doc-meta:{documentId:D}:{uploadId:D}";

    public byte[] Sign(DeviceKeys device) => device.Sign(SignedBytes());

    public bool Verify(byte[] signature, byte[] signingPublicKey) => DeviceKeys.Verify(signature, SignedBytes(), signingPublicKey);

    private static byte[] Check(byte[] hash) =>
        hash.Length == 32 ? hash : throw new CryptographicException("A manifest hash is 32 bytes.");
}
