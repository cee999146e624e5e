using System.Security.Cryptography;

namespace Vault.Crypto;

/// <summary>
/// crypto_secretstream_xchacha20poly1305 over .NET streams, for document contents: a 24-byte header, then
/// chunks of up to 64 KiB of plaintext, each sealed with a 17-byte overhead; the last chunk carries the FINAL tag,
/// so truncation, reordering and appending are all detected. Memory stays at one chunk whatever the file size.
/// </summary>
public static class FileEncryption
{
    public const int KeyBytes = 32, HeaderBytes = 24, ABytes = 17, ChunkBytes = 64 * 1024;
    public const byte TagMessage = 0, TagFinal = 3;

    public static async Task EncryptAsync(Stream plaintext, Stream ciphertext, byte[] key, CancellationToken ct = default)
    {
        CheckKey(key);
        var state = NewState();
        var header = new byte[HeaderBytes];
        InitPush(state, header, key);
        await ciphertext.WriteAsync(header, ct);

        var input = new byte[ChunkBytes];
        var next = new byte[ChunkBytes];
        var output = new byte[ChunkBytes + ABytes];
        var length = await ReadFullAsync(plaintext, input, ct);
        while (true)
        {
            // Read one chunk ahead: the FINAL tag must go on the last chunk, even when it is empty.
            var nextLength = length == ChunkBytes ? await ReadFullAsync(plaintext, next, ct) : 0;
            var final = length < ChunkBytes || nextLength == 0;
            var written = Push(state, output, input.AsSpan(0, length), final ? TagFinal : TagMessage);
            await ciphertext.WriteAsync(output.AsMemory(0, written), ct);
            if (final)
            {
                break;
            }
            (input, next, length) = (next, input, nextLength);
        }
        CryptographicOperations.ZeroMemory(state);
        CryptographicOperations.ZeroMemory(input);
        CryptographicOperations.ZeroMemory(next);
    }

    public static async Task DecryptAsync(Stream ciphertext, Stream plaintext, byte[] key, CancellationToken ct = default)
    {
        CheckKey(key);
        var header = new byte[HeaderBytes];
        if (await ReadFullAsync(ciphertext, header, ct) != HeaderBytes)
        {
            throw new CryptographicException("The encrypted stream is truncated (no header).");
        }
        var state = NewState();
        InitPull(state, header, key);
        var input = new byte[ChunkBytes + ABytes];
        var output = new byte[ChunkBytes];
        while (true)
        {
            var length = await ReadFullAsync(ciphertext, input, ct);
            if (length < ABytes)
            {
                throw new CryptographicException("The encrypted stream is truncated.");
            }
            var (written, tag) = Pull(state, output, input.AsSpan(0, length));
            await plaintext.WriteAsync(output.AsMemory(0, written), ct);
            if (tag == TagFinal)
            {
                if (await ciphertext.ReadAsync(new byte[1], ct) != 0)
                {
                    throw new CryptographicException("The encrypted stream has data after its final chunk.");
                }
                break;
            }
            if (length < input.Length)
            {
                throw new CryptographicException("The encrypted stream is truncated (no final chunk).");
            }
        }
        CryptographicOperations.ZeroMemory(state);
        CryptographicOperations.ZeroMemory(output);
    }

    private static void CheckKey(byte[] key)
    {
        if (key.Length != KeyBytes)
        {
            throw new CryptographicException("A secretstream key is 32 bytes.");
        }
    }

    internal static byte[] NewState()
    {
        Native.EnsureInitialised();
        return new byte[(int)Native.crypto_secretstream_xchacha20poly1305_statebytes()];
    }

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), ct);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    internal static unsafe void InitPush(byte[] state, byte[] header, byte[] key)
    {
        fixed (byte* s = state, h = header, k = key)
        {
            if (Native.crypto_secretstream_xchacha20poly1305_init_push(s, h, k) != 0)
            {
                throw new CryptographicException("crypto_secretstream init_push failed.");
            }
        }
    }

    internal static unsafe void InitPull(byte[] state, byte[] header, byte[] key)
    {
        fixed (byte* s = state, h = header, k = key)
        {
            if (Native.crypto_secretstream_xchacha20poly1305_init_pull(s, h, k) != 0)
            {
                throw new CryptographicException("The encrypted stream header is invalid.");
            }
        }
    }

    internal static unsafe int Push(byte[] state, Span<byte> output, ReadOnlySpan<byte> message, byte tag)
    {
        ulong written;
        fixed (byte* s = state, c = output, m = message)
        {
            if (Native.crypto_secretstream_xchacha20poly1305_push(s, c, &written, m, (ulong)message.Length, null, 0, tag) != 0)
            {
                throw new CryptographicException("crypto_secretstream push failed.");
            }
        }
        return (int)written;
    }

    internal static unsafe (int Written, byte Tag) Pull(byte[] state, Span<byte> output, ReadOnlySpan<byte> chunk)
    {
        ulong written;
        byte tag;
        fixed (byte* s = state, m = output, c = chunk)
        {
            if (Native.crypto_secretstream_xchacha20poly1305_pull(s, m, &written, &tag, c, (ulong)chunk.Length, null, 0) != 0)
            {
                throw new CryptographicException("An encrypted chunk failed authentication (tampered, reordered or wrong key).");
            }
        }
        return ((int)written, tag);
    }
}
