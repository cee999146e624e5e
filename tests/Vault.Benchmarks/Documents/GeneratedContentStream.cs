namespace Vault.Benchmarks.Documents;

/// <summary>
/// A seekable read-only "file" of any length that is never held in memory: a random pattern of 1 MiB + 4,099 bytes
/// (from <paramref name="seed"/>), repeated. Its odd period puts every 64 KiB chunk of a file at a different place in
/// the pattern. Reading costs a memory copy, so the generator does not slow what is measured.
/// </summary>
public sealed class GeneratedContentStream(long length, int seed) : Stream
{
    private const int Period = 1024 * 1024 + 4099;
    private readonly byte[] pattern = Pattern(seed);
    private long position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public static byte[] Pattern(int seed)
    {
        var bytes = new byte[Period];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Copies the content at <paramref name="at"/> into <paramref name="target"/>.</summary>
    public static void Fill(byte[] pattern, long at, Span<byte> target)
    {
        while (target.Length > 0)
        {
            var offset = (int)(at % Period);
            var n = Math.Min(target.Length, Period - offset);
            pattern.AsSpan(offset, n).CopyTo(target);
            target = target[n..];
            at += n;
        }
    }

    /// <summary>True when <paramref name="actual"/> is the content at <paramref name="at"/>.</summary>
    public static bool Matches(byte[] pattern, long at, ReadOnlySpan<byte> actual)
    {
        while (actual.Length > 0)
        {
            var offset = (int)(at % Period);
            var n = Math.Min(actual.Length, Period - offset);
            if (!pattern.AsSpan(offset, n).SequenceEqual(actual[..n]))
            {
                return false;
            }
            actual = actual[n..];
            at += n;
        }
        return true;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Max(0, Math.Min(buffer.Length, length - position));
        Fill(pattern, position, buffer[..n]);
        position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// Where a download goes: compares every byte with <see cref="GeneratedContentStream"/> of the same seed as it arrives and
/// keeps nothing. An exact comparison, cheaper than hashing (the SDK has verified its own SHA-256 content hash by then).
/// </summary>
public sealed class VerifyingSinkStream(int seed) : Stream
{
    private readonly byte[] pattern = GeneratedContentStream.Pattern(seed);

    public long Written { get; private set; }
    public bool Mismatch { get; private set; }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Mismatch |= !GeneratedContentStream.Matches(pattern, Written, buffer);
        Written += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
