namespace Vault.Server.Documents;

/// <summary>A document in a family's vault: a category and its versions. Names live encrypted in the versions.</summary>
public sealed class Document
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public required string Category { get; set; }
    public int CurrentVersion { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid UpdatedBy { get; set; }

    /// <summary>In the trash since then: hidden, restorable until the trash retention ends, then purged.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
    public Guid? DeletedBy { get; set; }
}

/// <summary>One version: the upload that holds its ciphertext, the boxes and the uploader's signed manifest.</summary>
public sealed class DocumentVersion
{
    public Guid DocumentId { get; set; }
    public int Version { get; set; }
    public Guid FamilyId { get; set; }
    public Guid UploadId { get; set; }
    public int Epoch { get; set; }
    public long Size { get; set; }
    public long ChunkCount { get; set; }
    public required byte[] ContentHash { get; set; }
    public required byte[] KeyBox { get; set; }
    public required byte[] MetadataBox { get; set; }
    public required byte[] Signature { get; set; }
    public Guid UserId { get; set; }
    public Guid DeviceId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A resumable upload. Its bytes are the stored segments in offset order, one per PATCH that arrived whole. It becomes
/// a version when completed; until then it is visible to its uploader only, and expires.
/// </summary>
public sealed class DocumentUpload
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public Guid DocumentId { get; set; }
    public required string Category { get; set; }
    public long Length { get; set; }
    public long Offset { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>
/// One object in the blob store. The row is written before the object, so the database knows every key that might
/// exist: an interrupted PATCH or a crash leaves a row that is not <see cref="Stored"/>, whose key is deleted later.
/// </summary>
public sealed class UploadSegment
{
    public Guid Id { get; set; }
    public Guid UploadId { get; set; }
    public long Offset { get; set; }
    public long Length { get; set; }
    public bool Stored { get; set; }

    public string Key => BlobKey(UploadId, Id);

    public static string BlobKey(Guid uploadId, Guid segmentId) => $"documents/{uploadId:N}/{segmentId:N}";
}
