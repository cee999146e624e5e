using System.Diagnostics;
using System.Net;

namespace Vault.Benchmarks.Documents;

/// <summary>Where a transfer's wall time went, as the client saw its HTTP requests (seconds, summed over the transfer).</summary>
public sealed record TimeSplit(int Patches, double PatchBody, double PatchWait, double ContentHeaders, int OtherRequests, double Other);

/// <summary>
/// Times the SDK's requests in the client process. A PATCH splits into sending its body (the SDK reads, encrypts and
/// hashes the block as it writes it, at the pace the server takes it in) and waiting after the last byte for the answer
/// (the server finishing the object: flush, fsync, rename, its database rows). A content GET counts until its headers
/// (the download's body is read inside the SDK call). Every other request counts whole.
/// </summary>
public sealed class RequestTimer() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock gate = new();
    private TimeSplit split = new(0, 0, 0, 0, 0, 0);

    public TimeSplit Take()
    {
        lock (gate)
        {
            var taken = split;
            split = new(0, 0, 0, 0, 0, 0);
            return taken;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        long? bodySent = null;
        if (request.Method == HttpMethod.Patch && request.Content is { } body)
        {
            request.Content = new TimedContent(body, () => bodySent = Stopwatch.GetTimestamp());
        }
        var response = await base.SendAsync(request, cancellationToken);
        var end = Stopwatch.GetTimestamp();
        lock (gate)
        {
            split = bodySent is { } sent
                ? split with
                {
                    Patches = split.Patches + 1,
                    PatchBody = split.PatchBody + Stopwatch.GetElapsedTime(start, sent).TotalSeconds,
                    PatchWait = split.PatchWait + Stopwatch.GetElapsedTime(sent, end).TotalSeconds,
                }
                : request.Method == HttpMethod.Get && request.RequestUri?.AbsolutePath.EndsWith("/content", StringComparison.Ordinal) == true
                    ? split with { ContentHeaders = split.ContentHeaders + Stopwatch.GetElapsedTime(start, end).TotalSeconds }
                    : split with { OtherRequests = split.OtherRequests + 1, Other = split.Other + Stopwatch.GetElapsedTime(start, end).TotalSeconds };
        }
        return response;
    }

    /// <summary>The SDK's body as it is, and a note of when its last byte was handed to the connection.</summary>
    private sealed class TimedContent : HttpContent
    {
        private readonly HttpContent inner;
        private readonly Action sent;

        public TimedContent(HttpContent inner, Action sent)
        {
            (this.inner, this.sent) = (inner, sent);
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await inner.CopyToAsync(stream, context, cancellationToken);
            sent();
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }
    }
}
