using Vault.Contracts;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>
/// A version's ciphertext, streamed from its segments in order with 64 KiB of memory whatever its size. The first
/// object is opened before the response starts, so a store that is down answers 503; a failure after the first byte
/// can only cut the response short, which readers detect (length, final chunk, content hash).
/// </summary>
internal sealed class VersionContent(IBlobStore store, IReadOnlyList<UploadSegment> segments, long size, Stream first) : IResult
{
    public static async Task<IResult> OpenAsync(IBlobStore store, IReadOnlyList<UploadSegment> segments, long size, CancellationToken ct)
    {
        if (!IsWhole(segments, size))
        {
            return Missing;
        }
        var first = await store.OpenReadAsync(segments[0].Key, ct);
        return first is null ? Missing : new VersionContent(store, segments, size, first);
    }

    private static readonly IResult Missing = Problems.Result(503, ProblemTypes.StoreUnavailable,
        "The document's content is not available from the store.", "Try again later; if it persists, tell the server's operator.");

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = size;
        http.Response.Headers.CacheControl = "no-store";
        var ct = http.RequestAborted;
        try
        {
            var buffer = new byte[64 * 1024];
            for (var i = 0; i < segments.Count; i++)
            {
                await using var source = i == 0 ? first : await store.OpenReadAsync(segments[i].Key, ct);
                if (source is null || !await CopyExactlyAsync(source, http.Response.Body, segments[i].Length, buffer, ct))
                {
                    http.Abort(); // the headers are gone: only a cut connection can say this is not the whole object
                    return;
                }
            }
        }
        catch (BlobStoreUnavailableException)
        {
            http.Abort();
        }
    }

    private static async Task<bool> CopyExactlyAsync(Stream source, Stream target, long length, byte[] buffer, CancellationToken ct)
    {
        while (length > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), ct);
            if (read == 0)
            {
                return false;
            }
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            length -= read;
        }
        return true;
    }

    private static bool IsWhole(IReadOnlyList<UploadSegment> segments, long size)
    {
        long next = 0;
        foreach (var segment in segments)
        {
            if (segment.Offset != next)
            {
                return false;
            }
            next += segment.Length;
        }
        return segments.Count > 0 && next == size;
    }
}
