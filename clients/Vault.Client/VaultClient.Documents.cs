using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>A document as this device sees it: the metadata decrypted, or null when it does not open here.</summary>
public sealed record DocumentInfo(DocumentResponse Document, DocumentMetadata? Metadata);

/// <summary>What an upload made: the document, its new version, and the bytes it stored.</summary>
public sealed record UploadResult(Guid DocumentId, int Version, long Size, bool Resumed);

/// <summary>A verified download: which version, written by whom, and what it says about itself.</summary>
public sealed record DownloadResult(DocumentVersionResponse Version, DocumentMetadata Metadata);

/// <summary>Bytes moved so far of a transfer's total (ciphertext bytes).</summary>
public readonly record struct TransferProgress(long Done, long Total);

/// <summary>How to upload: a new version of an existing document, a name and type, resumption, progress.</summary>
public sealed record UploadOptions
{
    public Guid? DocumentId { get; init; }
    public string? Name { get; init; }
    public string? ContentType { get; init; }
    public string? Description { get; init; }

    /// <summary>Where to keep what resuming needs; the same path resumes an interrupted upload of the same file.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Identifies the source for resumption (e.g. full path, size and last write time); a different one starts over.</summary>
    public string Source { get; init; } = "";
    public IProgress<TransferProgress>? Progress { get; init; }
}

/// <summary>
/// Documents on the device: everything is encrypted here before it leaves and verified here before it counts. A
/// random key per version encrypts the content in secretstream chunks; the key and the metadata go in scope boxes
/// under the category's current epoch; the device signs the manifest. Memory stays at a block whatever the file size.
/// </summary>
public sealed partial class VaultClient
{
    public async Task<List<DocumentInfo>> ListDocumentsAsync(Guid familyId, string? category = null, bool trash = false,
        CancellationToken ct = default)
    {
        var query = $"?trash={(trash ? "true" : "false")}" + (category is null ? "" : $"&category={Uri.EscapeDataString(category)}");
        var documents = await ApiAsync<List<DocumentResponse>>(HttpMethod.Get, $"/families/{familyId}/documents{query}", null, ct);
        var result = new List<DocumentInfo>(documents.Count);
        foreach (var d in documents)
        {
            result.Add(new DocumentInfo(d, await OpenMetadataAsync(familyId, d.Category, d.Id, d.UploadId, d.Epoch, d.MetadataBox, ct)));
        }
        return result;
    }

    public Task<List<DocumentVersionResponse>> DocumentVersionsAsync(Guid familyId, Guid documentId, CancellationToken ct = default) =>
        ApiAsync<List<DocumentVersionResponse>>(HttpMethod.Get, $"/families/{familyId}/documents/{documentId}/versions", null, ct);

    public Task<DocumentVersionResponse> DocumentVersionAsync(Guid familyId, Guid documentId, int version, CancellationToken ct = default) =>
        ApiAsync<DocumentVersionResponse>(HttpMethod.Get, $"/families/{familyId}/documents/{documentId}/versions/{version}", null, ct);

    public Task DeleteDocumentAsync(Guid familyId, Guid documentId, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Delete, $"/families/{familyId}/documents/{documentId}", null, ct);

    public Task RestoreDocumentAsync(Guid familyId, Guid documentId, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Post, $"/families/{familyId}/documents/{documentId}/restore", null, ct);

    /// <summary>The metadata of a version, opened and (for a full version) after its manifest verified.</summary>
    public async Task<DocumentMetadata?> OpenMetadataAsync(Guid familyId, string category, Guid documentId, Guid uploadId, int epoch,
        byte[] box, CancellationToken ct = default)
    {
        try
        {
            var scope = ConsentScopes.Documents(category);
            var key = await EpochKeyAsync(familyId, scope, epoch, ct);
            return JsonSerializer.Deserialize<DocumentMetadata>(
                ScopeBox.Open(familyId, scope, DocumentManifest.MetadataLabel(documentId, uploadId), box, key), Json);
        }
        catch (Exception e) when (e is CryptographicException or JsonException or VaultApiException)
        {
            return null;
        }
    }

    /// <summary>
    /// Downloads a version (the newest when <paramref name="version"/> is null) into <paramref name="output"/>, verifying the
    /// uploader's signature, the boxes, every chunk, the chunk count, the length and the content hash. Throws
    /// CryptographicException on any mismatch; the output then holds an unverified prefix the caller must discard.
    /// </summary>
    public async Task<DownloadResult> DownloadDocumentAsync(Guid familyId, Guid documentId, int? version, Stream output,
        IProgress<TransferProgress>? progress = null, CancellationToken ct = default)
    {
        var v = version is { } n
            ? await DocumentVersionAsync(familyId, documentId, n, ct)
            : (await DocumentVersionsAsync(familyId, documentId, ct)).FirstOrDefault()
              ?? throw new VaultApiException(404, ProblemTypes.NotFound, "The document has no versions.", null);
        if (v.FamilyId != familyId || v.DocumentId != documentId || (version is not null && v.Version != version))
        {
            throw new CryptographicException("The server answered with another document or version than the one asked for.");
        }
        var (fileKey, metadata) = await OpenVersionAsync(v, ct);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/families/{familyId}/documents/{documentId}/versions/{v.Version}/content");
        using var response = await ApiResponseAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var content = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            await DocumentReader.DecryptAsync(content, output, fileKey, v, progress, ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
        return new DownloadResult(v, metadata);
    }

    /// <summary>Checks the uploader's device and signature over the manifest, then opens the file key and the metadata.</summary>
    private async Task<(byte[] FileKey, DocumentMetadata Metadata)> OpenVersionAsync(DocumentVersionResponse v, CancellationToken ct)
    {
        var uploader = await Directory.DeviceAsync(v.UploaderUserId, v.UploaderDeviceId, ct);
        var manifest = new DocumentManifest(v.FamilyId, v.Category, v.DocumentId, v.Version, v.UploadId, v.Epoch, v.Size, v.ChunkCount,
            v.ContentHash, DocumentManifest.Hash(v.KeyBox), DocumentManifest.Hash(v.MetadataBox));
        if (!manifest.Verify(v.Signature, uploader.SigningKey))
        {
            throw new CryptographicException("The version's manifest is not signed by the device that says it uploaded it.");
        }
        var scope = ConsentScopes.Documents(v.Category);
        var epochKey = await EpochKeyAsync(v.FamilyId, scope, v.Epoch, ct);
        var fileKey = ScopeBox.Open(v.FamilyId, scope, DocumentManifest.KeyLabel(v.DocumentId, v.UploadId), v.KeyBox, epochKey);
        var metadata = JsonSerializer.Deserialize<DocumentMetadata>(
            ScopeBox.Open(v.FamilyId, scope, DocumentManifest.MetadataLabel(v.DocumentId, v.UploadId), v.MetadataBox, epochKey), Json)
            ?? throw new CryptographicException("The metadata box is empty.");
        return (fileKey, metadata);
    }
}
