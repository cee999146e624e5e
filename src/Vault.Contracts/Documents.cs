namespace Vault.Contracts.Documents;

/// <summary>
/// Resumable uploads in tus 1.0's core shape: create (the ciphertext's exact length), HEAD for the offset, PATCH from
/// it with application/offset+octet-stream, then complete with the signed manifest. The server keeps only what whole
/// PATCH bodies brought, so the offset is always where a PATCH ended.
/// </summary>
public static class TusHeaders
{
    public const string Resumable = "Tus-Resumable", Version = "1.0.0";
    public const string Offset = "Upload-Offset", Length = "Upload-Length", Expires = "Upload-Expires";
    public const string ContentType = "application/offset+octet-stream";
}

/// <summary>A new upload: a new document (<c>DocumentId</c> null) or a new version of one.</summary>
public sealed record CreateUploadRequest(string Category, Guid? DocumentId, long Length);

public sealed record UploadResponse(Guid UploadId, Guid DocumentId, string Category, long Length, long Offset, DateTimeOffset ExpiresAt);

/// <summary>
/// Completes an upload as version <c>Version</c> of its document: the file key and the metadata (name, type,
/// description) in scope boxes under the category's current epoch, and the manifest signed by the uploading device
/// (Vault.Crypto.DocumentManifest; its size is the upload's length).
/// </summary>
public sealed record CompleteUploadRequest(int Version, int Epoch, long ChunkCount, byte[] ContentHash, byte[] KeyBox,
    byte[] MetadataBox, byte[] Signature);

/// <summary>One version as stored: everything a reader needs to verify and decrypt it, and who wrote it when.</summary>
public sealed record DocumentVersionResponse(Guid FamilyId, Guid DocumentId, string Category, int Version, Guid UploadId, int Epoch,
    long Size, long ChunkCount, byte[] ContentHash, byte[] KeyBox, byte[] MetadataBox, byte[] Signature, Guid UploaderUserId,
    Guid UploaderDeviceId, DateTimeOffset CreatedAt);

/// <summary>A document in a listing: its latest version's metadata box (no file key: reading one is audited apart).</summary>
public sealed record DocumentResponse(Guid Id, string Category, int CurrentVersion, DateTimeOffset CreatedAt, Guid CreatedBy,
    DateTimeOffset UpdatedAt, Guid UpdatedBy, long Size, int Epoch, Guid UploadId, byte[] MetadataBox, DateTimeOffset? DeletedAt,
    DateTimeOffset? PurgeAt);

/// <summary>What the metadata box holds (JSON), readable only by the category's readers.</summary>
public sealed record DocumentMetadata(string Name, string? ContentType, string? Description, long Size);
