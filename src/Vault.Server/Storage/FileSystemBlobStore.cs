namespace Vault.Server.Storage;

/// <summary>The embedded default: one file per object under the data directory, written atomically.</summary>
public sealed class FileSystemBlobStore(string root) : IBlobStore
{
    public async Task PutAsync(string key, Stream content, long length, CancellationToken ct = default)
    {
        var path = PathFor(key);
        var body = new ExactLengthStream(content, length, ct);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024,
                                 FileOptions.Asynchronous))
                {
                    await body.CopyToAsync(file, 64 * 1024, ct);
                    await file.FlushAsync(ct);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true); // readers see the old object or the new one, never half of one
            }
            finally
            {
                File.Delete(temp);
            }
        }
        catch (Exception e) when (!body.Faulted && IsStoreFault(e))
        {
            throw new BlobStoreUnavailableException("The file-system blob store could not write an object.", e);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        var path = PathFor(key);
        try
        {
            return Task.FromResult<Stream?>(new BlobReadStream(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (IsStoreFault(e))
        {
            throw new BlobStoreUnavailableException("The file-system blob store could not open an object.", e);
        }
    }

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        var path = PathFor(key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // nothing was ever stored under this key's folder
        }
        catch (Exception e) when (IsStoreFault(e))
        {
            throw new BlobStoreUnavailableException("The file-system blob store could not delete an object.", e);
        }
        return Task.CompletedTask;
    }

    public Task<bool> IsReadyAsync(CancellationToken ct = default) => BlobStoreProbe.IsReadyAsync(this, ct);

    private string PathFor(string key)
    {
        BlobKey.Validate(key); // never a path of the caller's making
        return Path.Combine(root, key);
    }

    private static bool IsStoreFault(Exception e) => e is IOException or UnauthorizedAccessException;
}
