using System.Text.RegularExpressions;

namespace Vault.Server.Storage;

/// <summary>The embedded default: one file per object under the data directory, written atomically.</summary>
public sealed partial class FileSystemBlobStore(string root) : IBlobStore
{
    public async Task PutAsync(string key, Stream content, long length, CancellationToken ct = default)
    {
        var path = PathFor(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024,
                             FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 64 * 1024, ct);
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

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        var path = PathFor(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous)
            : null;
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        File.Delete(PathFor(key));
        return Task.CompletedTask;
    }

    public async Task<bool> IsReadyAsync(CancellationToken ct = default)
    {
        try
        {
            const string probe = "health/probe";
            await PutAsync(probe, new MemoryStream([1]), 1, ct);
            await DeleteAsync(probe, ct);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string PathFor(string key)
    {
        // Keys are server-made ids; anything else (.., absolute paths) is a bug or an attack, never a path.
        if (!KeyPattern().IsMatch(key))
        {
            throw new ArgumentException("Invalid blob key.", nameof(key));
        }
        return Path.Combine(root, key);
    }

    [GeneratedRegex("^[a-z0-9-]+(/[a-z0-9-]+)*$")]
    private static partial Regex KeyPattern();
}
