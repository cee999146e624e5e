using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Client;

public sealed partial class VaultClient
{
    private const int MaxTransportRetries = 3;

    /// <summary>
    /// Encrypts and uploads <paramref name="content"/> (seekable) as a new document in <paramref name="category"/>, or as
    /// the next version of <see cref="UploadOptions.DocumentId"/>. Each 8 MiB block is one PATCH; a dropped connection
    /// resumes from the server's offset, and with <see cref="UploadOptions.CheckpointPath"/> so does a later run.
    /// </summary>
    public async Task<UploadResult> UploadDocumentAsync(Guid familyId, string category, Stream content, UploadOptions? options = null,
        CancellationToken ct = default)
    {
        options ??= new UploadOptions();
        var plaintextLength = content.Length;
        var (checkpoint, boundary) = await ResumeAsync(familyId, category, plaintextLength, options, ct);
        var resumed = checkpoint is not null;
        checkpoint ??= await StartUploadAsync(familyId, category, plaintextLength, options, ct);
        boundary ??= checkpoint.Boundaries[0];
        var length = DocumentFormat.CiphertextLength(plaintextLength);
        var done = boundary.Offset;
        var blocks = DocumentFormat.BlockCount(plaintextLength);
        var failures = 0;
        while (boundary.Block < blocks)
        {
            var body = new BlockContent(content, plaintextLength, boundary.Block, boundary.State, checkpoint.Header,
                n => options.Progress?.Report(new TransferProgress(done += n, length)));
            try
            {
                await PatchAsync(familyId, checkpoint.UploadId, boundary.Offset, body, ct);
                var (state, hash) = body.Done!.Value;
                boundary = new UploadBoundary(boundary.Offset + body.Length, boundary.Block + 1, state, [.. boundary.BlockHashes, hash]);
                checkpoint = checkpoint with { Boundaries = [checkpoint.Boundaries[0], boundary] };
                if (options.CheckpointPath is { } path)
                {
                    checkpoint.Save(path);
                }
                failures = 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested && ++failures <= MaxTransportRetries)
            {
                // The connection dropped: ask where the server is and go on from there (this block again, or the next).
                var offset = await UploadOffsetAsync(familyId, checkpoint.UploadId, ct);
                var next = body.Done is { } finished && offset == boundary.Offset + body.Length
                    ? new UploadBoundary(offset.Value, boundary.Block + 1, finished.State, [.. boundary.BlockHashes, finished.Hash])
                    : offset == boundary.Offset ? boundary : null;
                boundary = next ?? throw new IOException("The upload cannot continue from where the server is; start it again.", e);
                done = boundary.Offset;
            }
            finally
            {
                body.Dispose();
            }
        }
        var result = await CompleteUploadAsync(checkpoint, boundary.BlockHashes, options, resumed, ct);
        if (options.CheckpointPath is { } used)
        {
            File.Delete(used); // it holds the file key: gone once the version exists
        }
        CryptographicOperations.ZeroMemory(checkpoint.FileKey);
        return result;
    }

    /// <summary>A checkpoint for this very upload whose upload the server still has, at a boundary it recorded; else nothing.</summary>
    private async Task<(UploadCheckpoint?, UploadBoundary?)> ResumeAsync(Guid familyId, string category, long plaintextLength,
        UploadOptions options, CancellationToken ct)
    {
        if (options.CheckpointPath is not { } path || UploadCheckpoint.Load(path) is not { } saved || saved.FamilyId != familyId
            || saved.Category != category || saved.Source != options.Source || saved.PlaintextLength != plaintextLength
            || (options.DocumentId is { } id ? saved.DocumentId != id : !saved.NewDocument))
        {
            return (null, null);
        }
        long? offset;
        try
        {
            offset = await UploadOffsetAsync(familyId, saved.UploadId, ct);
        }
        catch (VaultApiException e) when (e.Status == 403)
        {
            return (null, null); // no longer allowed to go on: starting over says why, with the problem's type
        }
        return offset is { } o && saved.At(o) is { } at ? (saved, at) : (null, null);
    }

    private async Task<UploadCheckpoint> StartUploadAsync(Guid familyId, string category, long plaintextLength, UploadOptions options,
        CancellationToken ct)
    {
        var upload = await ApiAsync<UploadResponse>(HttpMethod.Post, $"/families/{familyId}/documents/uploads",
            new CreateUploadRequest(category, options.DocumentId, DocumentFormat.CiphertextLength(plaintextLength)), ct);
        var fileKey = RandomNumberGenerator.GetBytes(FileEncryption.KeyBytes);
        var header = new byte[FileEncryption.HeaderBytes];
        using var push = SecretStreamPush.Start(fileKey, header);
        var checkpoint = new UploadCheckpoint(familyId, category, upload.UploadId, upload.DocumentId, options.DocumentId is null,
            options.Source, plaintextLength, fileKey, header, [new UploadBoundary(0, 0, push.Snapshot(), [])]);
        if (options.CheckpointPath is { } path)
        {
            checkpoint.Save(path);
        }
        return checkpoint;
    }

    /// <summary>Where the server's copy of an upload ends (HEAD), or null when it has no such upload (expired, completed).</summary>
    public async Task<long?> UploadOffsetAsync(Guid familyId, Guid uploadId, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"/families/{familyId}/documents/uploads/{uploadId}");
        HttpResponseMessage response;
        try
        {
            response = await ApiResponseAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (VaultApiException e) when (e.Status == 404)
        {
            return null;
        }
        using var _ = response;
        return response.Headers.TryGetValues(TusHeaders.Offset, out var values) && long.TryParse(values.FirstOrDefault(),
            System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw new VaultApiException(502, null, "The server did not say the upload's offset.", null);
    }

    private async Task PatchAsync(Guid familyId, Guid uploadId, long offset, HttpContent body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/families/{familyId}/documents/uploads/{uploadId}") { Content = body };
        request.Headers.Add(TusHeaders.Resumable, TusHeaders.Version);
        request.Headers.Add(TusHeaders.Offset, offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        body.Headers.ContentType = new MediaTypeHeaderValue(TusHeaders.ContentType);
        using var response = await ApiResponseAsync(request, HttpCompletionOption.ResponseContentRead, ct);
    }

    /// <summary>Seals the file key and metadata under the category's current epoch, signs the manifest, and completes.</summary>
    private async Task<UploadResult> CompleteUploadAsync(UploadCheckpoint c, List<byte[]> blockHashes, UploadOptions options,
        bool resumed, CancellationToken ct)
    {
        var scope = ConsentScopes.Documents(c.Category);
        var device = RequireSession().Device;
        var metadata = JsonSerializer.SerializeToUtf8Bytes(new DocumentMetadata(options.Name ?? "document", options.ContentType,
            options.Description, c.PlaintextLength), Json);
        var length = DocumentFormat.CiphertextLength(c.PlaintextLength);
        var chunkCount = DocumentFormat.ChunkCount(c.PlaintextLength);
        var contentHash = DocumentFormat.ContentHash(blockHashes);
        for (var attempt = 0; ; attempt++)
        {
            var epoch = await WritableEpochAsync(c.FamilyId, scope, refresh: attempt > 0, ct);
            var epochKey = await EpochKeyAsync(c.FamilyId, scope, epoch, ct);
            var version = c.NewDocument ? 1 : (await DocumentVersionsAsync(c.FamilyId, c.DocumentId, ct)).Max(v => v.Version) + 1;
            var keyBox = ScopeBox.Seal(c.FamilyId, scope, epoch, DocumentManifest.KeyLabel(c.DocumentId, c.UploadId), c.FileKey, epochKey);
            var metadataBox = ScopeBox.Seal(c.FamilyId, scope, epoch, DocumentManifest.MetadataLabel(c.DocumentId, c.UploadId), metadata, epochKey);
            var manifest = new DocumentManifest(c.FamilyId, c.Category, c.DocumentId, version, c.UploadId, epoch, length, chunkCount,
                contentHash, DocumentManifest.Hash(keyBox), DocumentManifest.Hash(metadataBox));
            try
            {
                var created = await ApiAsync<DocumentVersionResponse>(HttpMethod.Post,
                    $"/families/{c.FamilyId}/documents/uploads/{c.UploadId}/complete",
                    new CompleteUploadRequest(version, epoch, chunkCount, contentHash, keyBox, metadataBox, manifest.Sign(device)), ct);
                return new UploadResult(created.DocumentId, created.Version, created.Size, resumed);
            }
            catch (VaultApiException e) when (attempt < 3 && e.ProblemType is ProblemTypes.StaleEpoch or ProblemTypes.VersionConflict)
            {
                // The ring rotated or someone else saved a version meanwhile: seal and sign again for the new state.
            }
        }
    }
}
