using System.Text.Json;

namespace Vault.Client;

/// <summary>
/// What an interrupted upload needs to go on in another process: the upload, its file key, and the encryption state
/// and block hashes at the block boundaries it reached. It holds a secret (the file key): written with owner-only
/// permissions and deleted when the upload completes. Valid only for the same, unchanged file (<see cref="Source"/>):
/// continuing a different plaintext from a saved state would reuse nonces.
/// </summary>
public sealed record UploadCheckpoint(Guid FamilyId, string Category, Guid UploadId, Guid DocumentId, bool NewDocument, string Source,
    long PlaintextLength, byte[] FileKey, byte[] Header, List<UploadBoundary> Boundaries)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public UploadBoundary? At(long offset) => Boundaries.LastOrDefault(b => b.Offset == offset);

    public static UploadCheckpoint? Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<UploadCheckpoint>(File.ReadAllBytes(path), Json) : null;
        }
        catch (JsonException)
        {
            return null; // a checkpoint cut short by a crash: start over
        }
    }

    /// <summary>Written to a temporary file and renamed, so a crash leaves the old checkpoint or the new one.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(file, this, Json);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>A block boundary reached: its ciphertext offset, the encryption state there, and the hashes of the blocks before it.</summary>
public sealed record UploadBoundary(long Offset, long Block, byte[] State, List<byte[]> BlockHashes);
