using System.Security.Cryptography;

namespace Vault.Crypto;

/// <summary>
/// The pushing half of crypto_secretstream_xchacha20poly1305, one chunk at a time, for uploads that stream and resume.
/// <see cref="Snapshot"/> copies the state between chunks so an interrupted upload can go on from a block boundary
/// in another process. A snapshot must only ever continue the same plaintext: two different chunks pushed from one
/// state would reuse a nonce. Callers resume only when the file is unchanged.
/// </summary>
public sealed class SecretStreamPush : IDisposable
{
    private readonly byte[] state;

    private SecretStreamPush(byte[] state) => this.state = state;

    /// <summary>A new stream under <paramref name="key"/>; <paramref name="header"/> receives its 24-byte header.</summary>
    public static SecretStreamPush Start(byte[] key, Span<byte> header)
    {
        if (key.Length != FileEncryption.KeyBytes || header.Length != FileEncryption.HeaderBytes)
        {
            throw new CryptographicException("A secretstream key is 32 bytes and its header 24.");
        }
        var push = new SecretStreamPush(FileEncryption.NewState());
        var headerBytes = new byte[FileEncryption.HeaderBytes];
        FileEncryption.InitPush(push.state, headerBytes, key);
        headerBytes.CopyTo(header);
        return push;
    }

    public static SecretStreamPush FromSnapshot(byte[] snapshot)
    {
        var state = FileEncryption.NewState();
        if (snapshot.Length != state.Length)
        {
            throw new CryptographicException("Not a secretstream state.");
        }
        snapshot.CopyTo(state, 0);
        return new SecretStreamPush(state);
    }

    public byte[] Snapshot() => (byte[])state.Clone();

    /// <summary>Seals one chunk (at most 64 KiB) into <paramref name="output"/>; returns the bytes written.</summary>
    public int Push(ReadOnlySpan<byte> chunk, Span<byte> output, bool final)
    {
        if (chunk.Length > FileEncryption.ChunkBytes || output.Length < chunk.Length + FileEncryption.ABytes)
        {
            throw new ArgumentException("A chunk is at most 64 KiB and its output 17 bytes longer.");
        }
        return FileEncryption.Push(state, output, chunk, final ? FileEncryption.TagFinal : FileEncryption.TagMessage);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(state);
}

/// <summary>The pulling half: opens chunks in order and says which one was FINAL.</summary>
public sealed class SecretStreamPull : IDisposable
{
    private readonly byte[] state;

    public SecretStreamPull(byte[] key, ReadOnlySpan<byte> header)
    {
        if (key.Length != FileEncryption.KeyBytes || header.Length != FileEncryption.HeaderBytes)
        {
            throw new CryptographicException("A secretstream key is 32 bytes and its header 24.");
        }
        state = FileEncryption.NewState();
        FileEncryption.InitPull(state, header.ToArray(), key);
    }

    /// <summary>Opens one sealed chunk into <paramref name="output"/>; throws CryptographicException if it was altered.</summary>
    public (int Written, bool Final) Pull(ReadOnlySpan<byte> sealedChunk, Span<byte> output)
    {
        if (sealedChunk.Length < FileEncryption.ABytes || output.Length < sealedChunk.Length - FileEncryption.ABytes)
        {
            throw new CryptographicException("The encrypted chunk is truncated.");
        }
        var (written, tag) = FileEncryption.Pull(state, output, sealedChunk);
        return (written, tag == FileEncryption.TagFinal);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(state);
}
