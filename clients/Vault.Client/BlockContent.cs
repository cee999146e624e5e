using System.Net;
using System.Security.Cryptography;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// One block of an upload as a PATCH body, encrypted while it is written: 128 chunks read from the file, sealed from
/// the state at the block's start (so a second serialisation produces the same bytes), hashed on the way out.
/// </summary>
internal sealed class BlockContent(Stream source, long plaintextLength, long block, byte[] startState, byte[]? header,
    Action<long>? progress) : HttpContent
{
    /// <summary>The encryption state after this block and its hash, once it has been written.</summary>
    public (byte[] State, byte[] Hash)? Done { get; private set; }

    public long Length => DocumentFormat.BlockLength(block, DocumentFormat.CiphertextLength(plaintextLength));

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
    {
        using var push = SecretStreamPush.FromSnapshot(startState);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (block == 0)
        {
            await stream.WriteAsync(header, ct);
            hash.AppendData(header!);
        }
        var chunkCount = DocumentFormat.ChunkCount(plaintextLength);
        var first = block * DocumentFormat.ChunksPerBlock;
        var end = Math.Min(first + DocumentFormat.ChunksPerBlock, chunkCount);
        source.Position = first * FileEncryption.ChunkBytes;
        var plain = new byte[FileEncryption.ChunkBytes];
        var sealedChunk = new byte[DocumentFormat.ChunkCiphertextBytes];
        try
        {
            for (var i = first; i < end; i++)
            {
                var length = (int)Math.Min(FileEncryption.ChunkBytes, plaintextLength - i * FileEncryption.ChunkBytes);
                if (await DocumentReader.ReadFullAsync(source, plain, length, ct) != length)
                {
                    throw new IOException("The file got shorter while it was being uploaded.");
                }
                var written = push.Push(plain.AsSpan(0, length), sealedChunk, final: i == chunkCount - 1);
                hash.AppendData(sealedChunk, 0, written);
                await stream.WriteAsync(sealedChunk.AsMemory(0, written), ct);
                progress?.Invoke(written);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
        Done = (push.Snapshot(), hash.GetHashAndReset());
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = Length;
        return true;
    }
}
