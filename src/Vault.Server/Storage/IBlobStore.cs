namespace Vault.Server.Storage;

/// <summary>
/// Where ciphertext objects live: the local file system by default, any S3 (MinIO) when configured. Streams
/// end to end so memory does not grow with object size. The database, not listing, is the index of objects.
/// Every failure that is the store's (unreachable, timed out, 5xx, I/O errors) surfaces as
/// <see cref="BlobStoreUnavailableException"/>, also from reads of an opened stream; cancellation stays
/// <see cref="OperationCanceledException"/>.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores exactly <paramref name="length"/> bytes read from <paramref name="content"/> under <paramref name="key"/>.
    /// A stream that ends early, yields more, or throws leaves no object (and no visible partial one).</summary>
    /// <exception cref="InvalidDataException">The content ended before <paramref name="length"/> bytes or holds more.</exception>
    Task PutAsync(string key, Stream content, long length, CancellationToken ct = default);

    /// <summary>The object's bytes, streamed; null when the object does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default);

    /// <summary>Deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>True when the store can be written and read now (used by /health/ready); false, not an exception, when it cannot.</summary>
    Task<bool> IsReadyAsync(CancellationToken ct = default);
}
