namespace Vault.Server.Storage;

/// <summary>
/// What a store reads from the caller's content: exactly the announced length, or an
/// <see cref="InvalidDataException"/> before the last byte is handed on (content that ends early, or holds more).
/// It remembers whether the content failed, so a store can tell the caller's fault (rethrown as it is) from its own
/// (<see cref="BlobStoreUnavailableException"/>): a request body that breaks off is an IOException too.
/// </summary>
internal sealed class ExactLengthStream : Stream
{
    private readonly Stream content;
    private readonly long length;
    private readonly CancellationToken ct;
    private long remaining;
    private bool endChecked;

    public ExactLengthStream(Stream content, long length, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        (this.content, this.length, this.ct, remaining) = (content, length, ct, length);
    }

    /// <summary>True once reading the content failed: a wrong length, or the content's own exception.</summary>
    public bool Faulted { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var token = cancellationToken.CanBeCanceled ? cancellationToken : ct; // the S3 SDK reads without a token
        try
        {
            if (remaining == 0)
            {
                await EnsureEndAsync(token);
                return 0;
            }
            if (buffer.IsEmpty)
            {
                return 0;
            }
            var read = await content.ReadAsync(buffer[..(int)Math.Min(buffer.Length, remaining)], token);
            Count(read);
            if (remaining == 0)
            {
                await EnsureEndAsync(token); // before the last bytes are handed on, so the store never commits them
            }
            return read;
        }
        catch
        {
            Faulted = true;
            throw;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            if (remaining == 0)
            {
                EnsureEnd();
                return 0;
            }
            if (buffer.IsEmpty)
            {
                return 0;
            }
            var read = content.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
            Count(read);
            if (remaining == 0)
            {
                EnsureEnd();
            }
            return read;
        }
        catch
        {
            Faulted = true;
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Fails unless the content has nothing after the announced length (a store that reads no byte of an empty object calls this itself).</summary>
    public async ValueTask EnsureEndAsync(CancellationToken cancellationToken)
    {
        if (endChecked)
        {
            return;
        }
        try
        {
            var probe = new byte[1];
            if (await content.ReadAsync(probe, cancellationToken) != 0)
            {
                throw new InvalidDataException($"The content is longer than the announced {length} bytes.");
            }
            endChecked = true;
        }
        catch
        {
            Faulted = true;
            throw;
        }
    }

    private void EnsureEnd()
    {
        if (!endChecked)
        {
            if (content.Read(new byte[1]) != 0)
            {
                throw new InvalidDataException($"The content is longer than the announced {length} bytes.");
            }
            endChecked = true;
        }
    }

    private void Count(int read)
    {
        if (read == 0)
        {
            throw new InvalidDataException($"The content ended after {length - remaining} of the announced {length} bytes.");
        }
        remaining -= read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
