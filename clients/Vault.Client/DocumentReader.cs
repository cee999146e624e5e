using System.Security.Cryptography;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// Reads a version's ciphertext as it streams: opens each chunk in order (truncation, reordering and chunks from other
/// files or versions fail here), hashes the blocks, and at the end checks the FINAL tag, the chunk count, the length
/// and the content hash against the signed manifest. Memory: one chunk.
/// </summary>
internal static class DocumentReader
{
    public static async Task DecryptAsync(Stream ciphertext, Stream plaintext, byte[] fileKey, DocumentVersionResponse v,
        IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        var header = new byte[FileEncryption.HeaderBytes];
        if (await ReadCiphertextAsync(ciphertext, header, ct) != header.Length)
        {
            throw new CryptographicException("The document is truncated (no header).");
        }
        using var pull = new SecretStreamPull(fileKey, header);
        using var block = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        block.AppendData(header);
        var blockHashes = new List<byte[]>();
        var sealedChunk = new byte[DocumentFormat.ChunkCiphertextBytes];
        var chunk = new byte[FileEncryption.ChunkBytes];
        long chunks = 0, total = header.Length;
        var final = false;
        try
        {
            while (!final)
            {
                var length = await ReadCiphertextAsync(ciphertext, sealedChunk, ct);
                if (length == 0)
                {
                    throw new CryptographicException("The document is truncated (no final chunk).");
                }
                block.AppendData(sealedChunk, 0, length);
                (var written, final) = pull.Pull(sealedChunk.AsSpan(0, length), chunk);
                if (!final && length < sealedChunk.Length)
                {
                    throw new CryptographicException("The document is truncated (a short chunk that is not the last).");
                }
                await plaintext.WriteAsync(chunk.AsMemory(0, written), ct);
                chunks++;
                total += length;
                if (chunks % DocumentFormat.ChunksPerBlock == 0 || final)
                {
                    blockHashes.Add(block.GetHashAndReset());
                }
                progress?.Report(new TransferProgress(total, v.Size));
            }
            if (await ciphertext.ReadAsync(new byte[1], ct) != 0)
            {
                throw new CryptographicException("The document has data after its final chunk.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chunk);
        }
        if (chunks != v.ChunkCount || total != v.Size)
        {
            throw new CryptographicException("The document does not have the length its manifest signs.");
        }
        if (!CryptographicOperations.FixedTimeEquals(DocumentFormat.ContentHash(blockHashes), v.ContentHash))
        {
            throw new CryptographicException("The document's content hash does not match its signed manifest.");
        }
    }

    /// <summary>A connection cut mid-document (by the network or by a server that found its object short) is a short document.</summary>
    private static async Task<int> ReadCiphertextAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await ReadFullAsync(stream, buffer, buffer.Length, ct);
        }
        catch (IOException e)
        {
            throw new CryptographicException("The download was cut short: the document is incomplete.", e);
        }
    }

    internal static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken ct)
    {
        var total = 0;
        while (total < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total, count - total), ct);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}
