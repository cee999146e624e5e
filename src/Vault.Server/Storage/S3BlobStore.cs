using System.IO.Pipelines;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Vault.Server.Storage;

/// <summary>
/// Objects in one bucket of an S3-compatible store (MinIO, AWS, ...) through the Minio SDK. Nothing is contacted
/// at construction: the bucket is made on first use when missing (and remembered once that succeeded), so the
/// server starts while S3 is down and works as soon as it returns. Never lists: the database is the index.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IDisposable
{
    // Bounds what a download holds between S3 and a slow reader; a put holds one part (the SDK's: 5 MiB up to 16 MiB).
    private static readonly PipeOptions Buffering = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024,
        useSynchronizationContext: false);

    private readonly IMinioClient client;
    private readonly S3Connection connection;
    private readonly ILogger<S3BlobStore> logger;
    private readonly string name; // endpoint and bucket, for the log: never the credentials
    private volatile bool bucketReady;

    public S3BlobStore(S3Connection connection, ILogger<S3BlobStore> logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        (this.connection, this.logger, name) = (connection, logger, connection.ToString());
        // An unreachable host fails in seconds, not after the SDK's 30 minutes; transfers themselves are not timed
        // (a large document to a slow phone may take long), only ended by their caller's token.
        var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follows DNS changes of the endpoint
        });
        client = new MinioClient()
            .WithEndpoint(connection.Host)
            .WithSSL(connection.Secure)
            .WithRegion(connection.Region)
            .WithCredentials(connection.AccessKey, connection.SecretKey)
            .WithHttpClient(http, disposeHttpClient: true)
            .Build();
    }

    public async Task PutAsync(string key, Stream content, long length, CancellationToken ct = default)
    {
        BlobKey.Validate(key);
        var body = new ExactLengthStream(content, length, ct);
        try
        {
            await EnsureBucketAsync(ct);
            if (length == 0)
            {
                await body.EnsureEndAsync(ct); // the SDK reads nothing for an empty object
            }
            // Up to 5 MiB in one request, larger in parts of 16 MiB or more: S3 makes the object visible only when
            // the last part is in, so content that fails midway leaves no object (an incomplete upload, which MinIO
            // discards after a day and AWS after an AbortIncompleteMultipartUpload lifecycle rule).
            await client.PutObjectAsync(new PutObjectArgs()
                .WithBucket(connection.Bucket)
                .WithObject(key)
                .WithStreamData(body)
                .WithObjectSize(length)
                .WithContentType("application/octet-stream"), ct);
        }
        catch (Exception e) when (!body.Faulted && IsStoreFault(e, ct))
        {
            throw Unavailable("write", e);
        }
    }

    /// <summary>The object streamed as it arrives from S3; <paramref name="ct"/> also ends that download (pass the request's).</summary>
    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        BlobKey.Validate(key);
        try
        {
            await EnsureBucketAsync(ct);
        }
        catch (Exception e) when (IsStoreFault(e, ct))
        {
            throw Unavailable("read", e);
        }
        // The SDK hands the body to a callback while its request runs; a pipe carries it to the caller's reads with
        // bounded memory, and the first call of the callback says the object exists.
        var pipe = new Pipe(Buffering);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var download = DownloadAsync(key, pipe.Writer, opened, cancel);
        if (!await opened.Task) // throws what DownloadAsync made of a failure before the first byte
        {
            return null;
        }
        return new BlobReadStream(pipe.Reader.AsStream(), () =>
        {
            if (!download.IsCompleted)
            {
                try
                {
                    cancel.Cancel(); // the reader is gone: end the request rather than let it wait on a full pipe
                }
                catch (ObjectDisposedException)
                {
                    // the download ended meanwhile
                }
            }
        });
    }

    public async Task DeleteAsync(string key, CancellationToken ct = default)
    {
        BlobKey.Validate(key);
        try
        {
            await EnsureBucketAsync(ct);
            await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(connection.Bucket).WithObject(key), ct); // S3: 204 for a missing key too
        }
        catch (Exception e) when (IsStoreFault(e, ct))
        {
            throw Unavailable("delete", e);
        }
    }

    public Task<bool> IsReadyAsync(CancellationToken ct = default) => BlobStoreProbe.IsReadyAsync(this, ct);

    public void Dispose() => client.Dispose();

    /// <summary>Never throws: completes <paramref name="opened"/> (false: no such object) or the pipe with the failure.</summary>
    private async Task DownloadAsync(string key, PipeWriter writer, TaskCompletionSource<bool> opened, CancellationTokenSource cancel)
    {
        var ct = cancel.Token;
        try
        {
            await client.GetObjectAsync(new GetObjectArgs()
                .WithBucket(connection.Bucket)
                .WithObject(key)
                .WithCallbackStream(async (body, token) =>
                {
                    opened.TrySetResult(true);
                    await CopyAsync(body, writer, token);
                }), ct);
            opened.TrySetResult(true);
            await writer.CompleteAsync(); // only now: the SDK checks the answer after the callback returned
        }
        catch (ObjectNotFoundException) when (!opened.Task.IsCompleted)
        {
            opened.TrySetResult(false);
            await writer.CompleteAsync();
        }
#pragma warning disable CA1031 // every failure reaches the reader, as the store's or as a cancellation
        catch (Exception e)
#pragma warning restore CA1031
        {
            Exception failure = IsStoreFault(e, ct) ? Unavailable("read", e) : e;
            if (!opened.TrySetException(failure))
            {
                await writer.CompleteAsync(failure); // the reader's next read throws it
            }
            else
            {
                await writer.CompleteAsync();
            }
        }
        finally
        {
            cancel.Dispose();
        }
    }

    private static async Task CopyAsync(Stream body, PipeWriter writer, CancellationToken ct)
    {
        while (true)
        {
            var memory = writer.GetMemory(64 * 1024);
            var read = await body.ReadAsync(memory, ct);
            if (read == 0)
            {
                return;
            }
            writer.Advance(read);
            var flushed = await writer.FlushAsync(ct); // waits while the pipe is full
            if (flushed.IsCompleted)
            {
                throw new OperationCanceledException("The reader stopped reading."); // disposed early: end the request
            }
        }
    }

    private async Task EnsureBucketAsync(CancellationToken ct)
    {
        if (bucketReady)
        {
            return;
        }
        if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(connection.Bucket), ct))
        {
            try
            {
                await client.MakeBucketAsync(new MakeBucketArgs().WithBucket(connection.Bucket).WithLocation(connection.Region), ct);
                LogBucketCreated(logger, name);
            }
            catch (MinioException) when (!ct.IsCancellationRequested)
            {
                // Another node (or request) may have made it meanwhile: only a bucket that still is not there is a failure.
                if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(connection.Bucket), ct))
                {
                    throw;
                }
            }
        }
        bucketReady = true;
    }

    /// <summary>
    /// Everything but the caller's own cancellation is the store's: S3 unreachable, refused, timed out (the SDK's own
    /// timeouts are cancellations too), a 5xx, an error answer the SDK could not parse, wrong credentials.
    /// </summary>
    private static bool IsStoreFault(Exception e, CancellationToken ct) =>
        e is not BlobStoreUnavailableException && !(e is OperationCanceledException && ct.IsCancellationRequested);

    private BlobStoreUnavailableException Unavailable(string operation, Exception e)
    {
        LogUnavailable(logger, operation, name, e.GetType().Name, e.Message);
        return new BlobStoreUnavailableException($"The S3 blob store could not {operation} an object.", e);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the S3 bucket {Store}.")]
    private static partial void LogBucketCreated(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The S3 blob store {Store} failed to {Operation}: {ErrorType}: {Error}")]
    private static partial void LogUnavailable(ILogger logger, string operation, string store, string errorType, string error);
}
