using System.Security.Cryptography;
using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>
/// `vault doc ...`: files are encrypted on this device before they leave and verified here before they count. An
/// interrupted upload goes on when the same command runs again (its checkpoint waits in VAULT_HOME/uploads); a download
/// is written next to --out and renamed to it only once every check has passed.
/// </summary>
internal sealed partial class Context
{
    /// <summary>A checkpoint holds an upload's file key: one of an upload given up is deleted after this long.</summary>
    private static readonly TimeSpan CheckpointsKept = TimeSpan.FromDays(7);

    /// <summary>The grant the running command needs, when it knows: the hint after a no-consent refusal names it.</summary>
    public ConsentNeed? Needs { get; private set; }

    public async Task<int> DocUpload(Guid familyId, string category, string file, Guid? documentId, string? description, bool json)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new CliException($"There is no file {file}: nothing was sent.");
        }
        var (p, client) = await SignedIn();
        Needs = new ConsentNeed(ConsentScopes.Documents(category), Permissions.Write);
        await using var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var name = Path.GetFileName(path);
        // A changed file (size or last write) must start over: continuing it from a saved encryption state would reuse nonces.
        var source = string.Join('\n', path, content.Length, File.GetLastWriteTimeUtc(path).Ticks);
        var checkpoint = CheckpointPath(p, familyId, category, documentId, path);
        var from = await ResumableFromAsync(client, familyId, checkpoint, source, content.Length);
        if (from is { } at)
        {
            stderr.WriteLine($"Resuming an upload of {file} from {TransferBar.Size(at.Plaintext)} of {TransferBar.Size(content.Length)}.");
        }
        UploadResult result;
        using (var bar = Bar(name, from?.Ciphertext ?? 0, json))
        {
            result = await client.UploadDocumentAsync(familyId, category, content, new UploadOptions
            {
                DocumentId = documentId, Name = name, Description = description, CheckpointPath = checkpoint, Source = source,
                Progress = bar,
            });
        }
        if (json)
        {
            WriteJson(new UploadJson(result.DocumentId, result.Version, name, category, content.Length, result.Resumed));
            return 0;
        }
        stdout.WriteLine($"Uploaded {Safe(name)} ({TransferBar.Size(content.Length)}) as document {result.DocumentId}, version {result.Version}.");
        return 0;
    }

    /// <summary>
    /// Where the checkpoint of "this" upload lives: named from what makes a run the same upload (server, account, family,
    /// category, document, the file's full path), so the same command finds it again. Owner-only, like the profile.
    /// </summary>
    private string CheckpointPath(Profile p, Guid familyId, string category, Guid? documentId, string path)
    {
        var folder = Path.Combine(home, "uploads");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        foreach (var old in Directory.EnumerateFiles(folder).Where(f => File.GetLastWriteTimeUtc(f) < DateTime.UtcNow - CheckpointsKept))
        {
            File.Delete(old); // the server forgot that upload long ago (a day, by default); its file key need not stay around
        }
        var key = string.Join('\n', p.Server, p.UserId, familyId, category, documentId?.ToString() ?? "new", path);
        return Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".upload");
    }

    /// <summary>Where the SDK will resume (it checks the same again), to say so before the transfer starts; null: from the start.</summary>
    private static async Task<(long Plaintext, long Ciphertext)?> ResumableFromAsync(VaultClient client, Guid familyId, string checkpoint,
        string source, long length)
    {
        if (UploadCheckpoint.Load(checkpoint) is not { } saved || saved.Source != source || saved.PlaintextLength != length)
        {
            return null;
        }
        long? offset;
        try
        {
            offset = await client.UploadOffsetAsync(familyId, saved.UploadId);
        }
        catch (VaultApiException e) when (e.Status == 403)
        {
            return null; // as the SDK: starting over is refused with the problem's type (a HEAD answer has no body to say it)
        }
        return offset is { } o && saved.At(o) is { } boundary
            ? (Math.Min(boundary.Block * DocumentFormat.ChunksPerBlock * FileEncryption.ChunkBytes, length), o)
            : null;
    }

    public async Task<int> DocList(Guid familyId, string? category, bool trash, bool json)
    {
        var (_, client) = await SignedIn();
        var documents = await client.ListDocumentsAsync(familyId, category, trash);
        var names = await UsernamesAsync(client, documents.SelectMany(d => new[] { d.Document.CreatedBy, d.Document.UpdatedBy }));
        if (json)
        {
            WriteJson(documents.Select(d => DocumentJson.From(d, names)).ToList());
            return 0;
        }
        if (documents.Count == 0)
        {
            stderr.WriteLine(trash ? "The trash holds no documents you can read." :
                "No documents you can read: each category needs a grant on documents:CATEGORY (`vault grants --family ID`).");
        }
        Table([Say("ID", "ID"), Say("CATEGORY", "CATEGORIE"), Say("VERSION", "VERSIE"), Say("SIZE", "GROOTTE"), Say("CHANGED (UTC)", "GEWIJZIGD (UTC)"),
                Say("BY", "DOOR"), .. (trash ? Trash : []), Say("NAME", "NAAM")],
            documents.Select(d => DocumentJson.From(d, names)).Select(IReadOnlyList<string> (d) =>
            [
                d.Id.ToString(), d.Category, $"v{d.Version}", d.Size is { } s ? TransferBar.Size(s) : "?", AtMinute(d.UpdatedAt), d.UpdatedBy.Name,
                .. (trash ? [d.DeletedAt is { } at ? OnDay(at) : "-", d.PurgeAt is { } purge ? OnDay(purge) : "-"] : Array.Empty<string>()),
                d.Name ?? Say("(cannot be opened on this device)", "(kan op dit apparaat niet worden geopend)"),
            ]));
        return 0;
    }

    private string[] Trash => [Say("DELETED", "VERWIJDERD"), Say("PURGED AFTER", "GEWIST NA")];

    public async Task<int> DocVersions(Guid familyId, Guid documentId, bool json)
    {
        var (_, client) = await SignedIn();
        var versions = await client.DocumentVersionsAsync(familyId, documentId);
        var names = await UsernamesAsync(client, versions.Select(v => v.UploaderUserId));
        var rows = new List<VersionJson>(versions.Count);
        foreach (var v in versions)
        {
            var metadata = await client.OpenMetadataAsync(familyId, v.Category, v.DocumentId, v.UploadId, v.Epoch, v.MetadataBox);
            rows.Add(new VersionJson(v.DocumentId, v.Category, v.Version, metadata?.Name, metadata?.Size, v.Size, metadata?.Description,
                v.CreatedAt, Who.Of(v.UploaderUserId, names), v.UploaderDeviceId));
        }
        if (json)
        {
            WriteJson(rows);
            return 0;
        }
        Table([Say("VERSION", "VERSIE"), Say("UPLOADED (UTC)", "GEÜPLOAD (UTC)"), Say("BY", "DOOR"), Say("SIZE", "GROOTTE"), Say("NAME", "NAAM")],
            rows.Select(v => new[]
            {
                $"v{v.Version}", AtMinute(v.CreatedAt), v.UploadedBy.Name, v.Size is { } s ? TransferBar.Size(s) : "?",
                v.Name ?? Say("(cannot be opened on this device)", "(kan op dit apparaat niet worden geopend)"),
            }));
        return 0;
    }

    /// <summary>
    /// Writes to a private temporary file next to --out and renames it only after the SDK verified everything (signature,
    /// every chunk, length, content hash): a failed or tampered download leaves nothing behind, and an existing --out is
    /// replaced (with --force) only by a verified file.
    /// </summary>
    public async Task<int> DocDownload(Guid familyId, Guid documentId, int? version, string output, bool force, bool json)
    {
        var target = Path.GetFullPath(output);
        if (Directory.Exists(target))
        {
            throw new CliException($"--out {output} is a folder: give the path of the file to write, e.g. {Path.Combine(output, "verslag.pdf")}.",
                ExitCodes.Usage);
        }
        if (File.Exists(target) && !force)
        {
            throw new CliException($"{output} exists: nothing was downloaded. Give another --out, or add --force to replace it.");
        }
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new CliException($"There is no folder {folder}: nothing was downloaded.");
        }
        var (_, client) = await SignedIn();
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.part");
        try
        {
            DownloadResult result;
            await using (var file = new FileStream(temp, PrivateNewFile()))
            {
                using var bar = Bar(Path.GetFileName(target), 0, json);
                result = await client.DownloadDocumentAsync(familyId, documentId, version, file, bar);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: force);
            var v = result.Version;
            var uploader = Who.Of(v.UploaderUserId, await UsernamesAsync(client, [v.UploaderUserId]));
            if (json)
            {
                WriteJson(new DownloadJson(v.DocumentId, v.Version, result.Metadata.Name, v.Category, result.Metadata.Size, target, v.CreatedAt, uploader));
                return 0;
            }
            stdout.WriteLine($"Saved {output}: {Safe(result.Metadata.Name)}, version {v.Version}, {TransferBar.Size(result.Metadata.Size)}, " +
                $"uploaded {v.CreatedAt:yyyy-MM-dd HH:mm} by {uploader.Name}. Signature, every chunk and the content hash verified.");
            return 0;
        }
        catch (EpochKeyUnavailableException e)
        {
            throw new CliException($"This device holds no key for that version: {e.Message} Nothing was downloaded.", ExitCodes.Failed,
                $"A grant opens what is written after it. For what came before, ask a guardian for a grant on {e.Scope} with --history.");
        }
        catch (CryptographicException e)
        {
            throw new CliException($"Verification failed: {e.Message} Nothing was saved to {output}.", ExitCodes.VerificationFailed,
                "What the server sent does not check out: do not trust this version, and tell the server's administrator.");
        }
        catch (IOException e)
        {
            throw new CliException($"Cannot write {output}: {e.Message} Nothing was saved.");
        }
        finally
        {
            File.Delete(temp); // gone already once renamed
        }
    }

    public async Task<int> DocDelete(Guid familyId, Guid documentId)
    {
        var (_, client) = await SignedIn();
        await client.DeleteDocumentAsync(familyId, documentId);
        stdout.WriteLine($"Document {documentId} moved to the trash: `vault doc restore` takes it back until it is purged " +
            "(`vault doc list --trash` shows when).");
        return 0;
    }

    public async Task<int> DocRestore(Guid familyId, Guid documentId)
    {
        var (_, client) = await SignedIn();
        await client.RestoreDocumentAsync(familyId, documentId);
        stdout.WriteLine($"Document {documentId} restored from the trash.");
        return 0;
    }

    private TransferBar? Bar(string name, long from, bool json) =>
        json || progress is null ? null : new TransferBar(progress, Safe(name), from, TimeProvider.System);

    private static FileStreamOptions PrivateNewFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return options;
    }

    /// <summary>
    /// Usernames from the key directory, which shows a user to whoever shares a family with them; null for someone no
    /// longer visible (then the id is shown).
    /// </summary>
    private static async Task<Dictionary<Guid, string?>> UsernamesAsync(VaultClient client, IEnumerable<Guid> users)
    {
        var names = new Dictionary<Guid, string?>();
        foreach (var id in users.Distinct())
        {
            try
            {
                names[id] = (await client.Directory.UserAsync(id, refresh: false, CancellationToken.None)).Username;
            }
            catch (VaultApiException)
            {
                names[id] = null;
            }
        }
        return names;
    }
}
