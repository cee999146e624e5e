using System.Security.Cryptography;
using Vault.Crypto;

namespace Vault.Crypto.Tests;

/// <summary>The document layout's arithmetic, and secretstream snapshots that let an upload resume.</summary>
public sealed class DocumentFormatTests
{
    private const int Chunk = FileEncryption.ChunkBytes;

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(Chunk - 1L)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1L)]
    [InlineData(128L * Chunk)]
    [InlineData(5L * 1024 * 1024 * 1024 + 3)]
    public async Task CiphertextLength_MatchesEncryptionAndInverts(long plaintext)
    {
        var length = DocumentFormat.CiphertextLength(plaintext);
        Assert.Equal(plaintext, DocumentFormat.PlaintextLength(length));
        if (plaintext < 10 * Chunk)
        {
            using var output = new MemoryStream();
            await FileEncryption.EncryptAsync(new MemoryStream(new byte[plaintext]), output, new byte[32]);
            Assert.Equal(length, output.Length);
        }
        var blocks = DocumentFormat.BlockCount(plaintext);
        Assert.Equal(length, Enumerable.Range(0, (int)blocks).Sum(b => DocumentFormat.BlockLength(b, length)));
        Assert.All(Enumerable.Range(0, (int)blocks), b => Assert.True(DocumentFormat.BlockLength(b, length) > 0));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(40L)]
    [InlineData(24L + 17 + Chunk + 1)]
    public void PlaintextLength_OfLengthsNoPlaintextHas_IsMinusOne(long ciphertext) =>
        Assert.Equal(-1, DocumentFormat.PlaintextLength(ciphertext));

    [Fact]
    public void Snapshot_ContinuedElsewhere_SealsTheSameBytesAndOpens()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var header = new byte[FileEncryption.HeaderBytes];
        var plain = RandomNumberGenerator.GetBytes(3 * Chunk);
        var sealedChunks = new byte[3][];
        byte[] snapshot;
        using (var push = SecretStreamPush.Start(key, header))
        {
            sealedChunks[0] = Seal(push, plain.AsSpan(0, Chunk), final: false);
            snapshot = push.Snapshot();
            sealedChunks[1] = Seal(push, plain.AsSpan(Chunk, Chunk), final: false);
            sealedChunks[2] = Seal(push, plain.AsSpan(2 * Chunk, Chunk), final: true);
        }
        using (var resumed = SecretStreamPush.FromSnapshot(snapshot))
        {
            Assert.Equal(sealedChunks[1], Seal(resumed, plain.AsSpan(Chunk, Chunk), final: false));
        }
        using var pull = new SecretStreamPull(key, header);
        var output = new byte[Chunk];
        for (var i = 0; i < 3; i++)
        {
            var (written, final) = pull.Pull(sealedChunks[i], output);
            Assert.Equal(plain.AsSpan(i * Chunk, Chunk).ToArray(), output[..written]);
            Assert.Equal(i == 2, final);
        }
    }

    [Fact]
    public void Manifest_AnyFieldChanged_SignatureFails()
    {
        using var device = DeviceKeys.Generate();
        var manifest = new DocumentManifest(Guid.NewGuid(), "plan", Guid.NewGuid(), 1, Guid.NewGuid(), 1, 41, 1,
            new byte[32], new byte[32], new byte[32]);
        var signature = manifest.Sign(device);
        Assert.True(manifest.Verify(signature, device.SigningPublicKey));
        Assert.False((manifest with { Version = 2 }).Verify(signature, device.SigningPublicKey));
        Assert.False((manifest with { Category = "verslag" }).Verify(signature, device.SigningPublicKey));
        Assert.False((manifest with { Size = 42 }).Verify(signature, device.SigningPublicKey));
        Assert.False((manifest with { ContentHash = RandomNumberGenerator.GetBytes(32) }).Verify(signature, device.SigningPublicKey));
        Assert.False((manifest with { UploadId = Guid.NewGuid() }).Verify(signature, device.SigningPublicKey));
    }

    private static byte[] Seal(SecretStreamPush push, ReadOnlySpan<byte> chunk, bool final)
    {
        var output = new byte[chunk.Length + FileEncryption.ABytes];
        return output[..push.Push(chunk, output, final)];
    }
}
