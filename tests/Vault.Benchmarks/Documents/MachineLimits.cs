using System.Diagnostics;
using System.Security.Cryptography;
using Vault.Crypto;
using Vault.Server.Storage;

namespace Vault.Benchmarks.Documents;

/// <summary>One sample of each of the machine's limits, in MB/s (10^6 bytes per second), measured in this process.</summary>
public sealed record LimitSample(double SecretStreamPush, double Disk, double UploadCrypto, double DownloadCrypto, double StorePattern);

/// <summary>
/// What the machine can do without Vault, measured in the same run as the transfers: secretstream push
/// (<see cref="SecretStreamPush"/>, 64 KiB chunks, one thread) and sequential disk write flushed to disk (1 MiB
/// writes, then fsync) in the directory the servers keep their data in — the two limits the targets name.
/// Beside them, for reading where the time goes: the SDK's per-byte crypto on one thread (upload: push and SHA-256 of
/// the ciphertext; download: pull and SHA-256), and the file store's own write pattern (<see cref="FileSystemBlobStore"/>:
/// one 8 MiB object per PATCH, each written through a 64 KiB buffer, fsynced and renamed into place).
/// </summary>
public static class MachineLimits
{
    private const int Chunk = FileEncryption.ChunkBytes;

    public static async Task<LimitSample> MeasureAsync(string directory, long cryptoBytes, long diskBytes, CancellationToken ct)
    {
        var push = SecretStreamPushSpeed(cryptoBytes);
        var upload = UploadCryptoSpeed(cryptoBytes);
        var download = DownloadCryptoSpeed(cryptoBytes);
        var disk = await DiskWriteSpeedAsync(directory, diskBytes, ct);
        var store = await StorePatternSpeedAsync(directory, diskBytes, ct);
        return new LimitSample(push, disk, upload, download, store);
    }

    private static double MBps(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / 1e6;

    public static double SecretStreamPushSpeed(long bytes)
    {
        var key = RandomNumberGenerator.GetBytes(FileEncryption.KeyBytes);
        var header = new byte[FileEncryption.HeaderBytes];
        var plain = RandomNumberGenerator.GetBytes(Chunk);
        var sealedChunk = new byte[Chunk + FileEncryption.ABytes];
        using var push = SecretStreamPush.Start(key, header);
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < bytes; done += Chunk)
        {
            push.Push(plain, sealedChunk, final: false);
        }
        return MBps(bytes, clock.Elapsed);
    }

    /// <summary>What BlockContent does per byte: secretstream push, then SHA-256 over the sealed chunk.</summary>
    private static double UploadCryptoSpeed(long bytes)
    {
        var key = RandomNumberGenerator.GetBytes(FileEncryption.KeyBytes);
        var header = new byte[FileEncryption.HeaderBytes];
        var plain = RandomNumberGenerator.GetBytes(Chunk);
        var sealedChunk = new byte[Chunk + FileEncryption.ABytes];
        using var push = SecretStreamPush.Start(key, header);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < bytes; done += Chunk)
        {
            var written = push.Push(plain, sealedChunk, final: false);
            hash.AppendData(sealedChunk, 0, written);
        }
        hash.GetHashAndReset();
        return MBps(bytes, clock.Elapsed);
    }

    /// <summary>What DocumentReader does per byte: SHA-256 over the sealed chunk, then secretstream pull.</summary>
    private static double DownloadCryptoSpeed(long bytes)
    {
        const int chunks = DocumentFormat.ChunksPerBlock; // one 8 MiB block of ciphertext, pulled again from its header each time
        var key = RandomNumberGenerator.GetBytes(FileEncryption.KeyBytes);
        var header = new byte[FileEncryption.HeaderBytes];
        var plain = RandomNumberGenerator.GetBytes(Chunk);
        var ciphertext = new byte[chunks * (Chunk + FileEncryption.ABytes)];
        using (var push = SecretStreamPush.Start(key, header))
        {
            for (var i = 0; i < chunks; i++)
            {
                push.Push(plain, ciphertext.AsSpan(i * (Chunk + FileEncryption.ABytes)), final: false);
            }
        }
        var output = new byte[Chunk];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (done < bytes)
        {
            using var pull = new SecretStreamPull(key, header);
            for (var i = 0; i < chunks && done < bytes; i++, done += Chunk)
            {
                var sealedChunk = ciphertext.AsSpan(i * (Chunk + FileEncryption.ABytes), Chunk + FileEncryption.ABytes);
                hash.AppendData(sealedChunk);
                pull.Pull(sealedChunk, output);
            }
        }
        hash.GetHashAndReset();
        return MBps(done, clock.Elapsed);
    }

    /// <summary>Sequential write of <paramref name="bytes"/> in 1 MiB writes, then one fsync; the file is deleted after.</summary>
    public static async Task<double> DiskWriteSpeedAsync(string directory, long bytes, CancellationToken ct)
    {
        var path = Path.Combine(directory, "disk-limit-" + Guid.NewGuid().ToString("N") + ".tmp");
        var buffer = RandomNumberGenerator.GetBytes(1024 * 1024);
        try
        {
            var clock = Stopwatch.StartNew();
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                for (long done = 0; done < bytes; done += buffer.Length)
                {
                    await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - done)), ct);
                }
                file.Flush(flushToDisk: true);
            }
            return MBps(bytes, clock.Elapsed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The file store itself, as the server uses it: <paramref name="bytes"/> as 8 MiB objects, one after another.</summary>
    private static async Task<double> StorePatternSpeedAsync(string directory, long bytes, CancellationToken ct)
    {
        var root = Path.Combine(directory, "store-limit-" + Guid.NewGuid().ToString("N"));
        var store = new FileSystemBlobStore(root);
        var block = RandomNumberGenerator.GetBytes((int)DocumentFormat.BlockBytes);
        try
        {
            var clock = Stopwatch.StartNew();
            long done = 0;
            for (var i = 0; done < bytes; i++, done += block.Length)
            {
                await store.PutAsync("limit/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), new MemoryStream(block), block.Length, ct);
            }
            return MBps(done, clock.Elapsed);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
