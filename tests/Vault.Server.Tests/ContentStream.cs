using System.Security.Cryptography;

namespace Vault.Server.Tests;

/// <summary>
/// Content for blob store tests, made as it is read (a 20 MiB object is never in memory): <paramref name="produce"/>
/// pseudo-random bytes, then the end, or <paramref name="failure"/> thrown once half of them were read. It hashes what
/// it handed out, to compare with what a store gives back.
/// </summary>
public sealed class ContentStream(long produce, Exception? failure = null, Action? onHalfway = null) : Stream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Random random = new(unchecked((int)produce));
    private long produced;

    /// <summary>SHA-256 of the bytes read so far.</summary>
    public byte[] Sha256 => hash.GetCurrentHash();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var half = produce / 2;
        if (produced >= half && (failure is not null || onHalfway is not null))
        {
            onHalfway?.Invoke();
            onHalfway = null;
            if (failure is not null)
            {
                throw failure;
            }
        }
        var limit = failure is not null || onHalfway is not null ? half : produce;
        var count = (int)Math.Min(buffer.Length, limit - produced);
        random.NextBytes(buffer[..count]);
        hash.AppendData(buffer[..count]);
        produced += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span)); // never observes the token: cancelling is the store's job here

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>SHA-256 and length of everything <paramref name="stream"/> yields, read in 64 KiB steps.</summary>
    public static async Task<(byte[] Sha256, long Length)> HashAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        return (hash.GetCurrentHash(), length);
    }
}
