namespace Vault.Server.Storage;

/// <summary>
/// Where ciphertext objects live: the local file system by default, any S3 (MinIO) when configured. Streams
/// end to end so memory does not grow with object size. The database, not listing, is the index of objects.
/// </summary>
public interface IBlobStore
{
    Task PutAsync(string key, Stream content, long length, CancellationToken ct = default);
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default);
    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>True when the store can be written and read now (used by /health/ready).</summary>
    Task<bool> IsReadyAsync(CancellationToken ct = default);
}
