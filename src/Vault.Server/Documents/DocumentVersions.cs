using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>A completed upload as a version, or why not.</summary>
internal sealed record VersionOutcome(DocumentVersionResponse? Version, Problem? Refusal);

/// <summary>
/// Turning a finished upload into a version. What the server can check without keys it checks: the boxes are under
/// the category's current epoch, the chunk count fits the length, the version is the next one, and the manifest's
/// signature verifies with the uploading device's key. The content hash it cannot check without reading the object
/// back; readers check it as they stream.
/// </summary>
internal sealed class DocumentVersions(VaultDbContext db, AccessCache cache, AuditLog audit, IBlobStore store, TimeProvider clock)
{
    public const int MaxBoxBytes = 4096;

    public async Task<VersionOutcome> CreateAsync(Actor actor, DocumentUpload upload, CompleteUploadRequest request, CancellationToken ct)
    {
        var scope = ConsentScopes.Documents(upload.Category);
        if (Validate(upload, request) is { } invalid)
        {
            return new(null, invalid);
        }
        var state = await cache.GetCurrentAsync(upload.FamilyId, ct);
        if (state.EpochProblem(scope, request.Epoch, "category", "complete") is { } stale)
        {
            return new(null, stale);
        }
        var manifest = new DocumentManifest(upload.FamilyId, upload.Category, upload.DocumentId, request.Version, upload.Id,
            request.Epoch, upload.Length, request.ChunkCount, request.ContentHash, DocumentManifest.Hash(request.KeyBox),
            DocumentManifest.Hash(request.MetadataBox));
        if (!state.Devices.TryGetValue(actor.DeviceId ?? Guid.Empty, out var device) || device.UserId != actor.UserId
            || !manifest.Verify(request.Signature, device.SigningKey))
        {
            return new(null, new Problem(400, ProblemTypes.InvalidSignature, "The manifest's signature does not verify for your device."));
        }
        var document = await db.Documents.FirstOrDefaultAsync(d => d.Id == upload.DocumentId && d.FamilyId == upload.FamilyId, ct);
        if (document is { DeletedAt: not null })
        {
            return new(null, Problem.NotFound);
        }
        var expected = (document?.CurrentVersion ?? 0) + 1;
        if (request.Version != expected)
        {
            return new(null, new Problem(409, ProblemTypes.VersionConflict, $"The next version of this document is {expected}: sign that one."));
        }
        var now = clock.GetUtcNow();
        if (document is null)
        {
            document = new Document
            {
                Id = upload.DocumentId, FamilyId = upload.FamilyId, Category = upload.Category, CreatedAt = now, CreatedBy = actor.UserId,
            };
            db.Documents.Add(document);
        }
        document.CurrentVersion = request.Version;
        document.UpdatedAt = now;
        document.UpdatedBy = actor.UserId;
        var version = new DocumentVersion
        {
            DocumentId = document.Id, Version = request.Version, FamilyId = upload.FamilyId, UploadId = upload.Id, Epoch = request.Epoch,
            Size = upload.Length, ChunkCount = request.ChunkCount, ContentHash = request.ContentHash, KeyBox = request.KeyBox,
            MetadataBox = request.MetadataBox, Signature = request.Signature, UserId = actor.UserId, DeviceId = device.Id, CreatedAt = now,
        };
        db.DocumentVersions.Add(version);
        upload.CompletedAt = now;
        var purpose = state.PurposeOf(actor.UserId, scope, Permissions.Write, now.ToUnixTimeMilliseconds()) ?? "";
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.DocumentVersionCreated, upload.FamilyId,
            $"{scope}/{document.Id}/v{version.Version}", purpose), ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another upload became this version (or this document) first.
            return new(null, new Problem(409, ProblemTypes.VersionConflict, "Another version was saved first: sign the next one."));
        }
        await UploadSegments.DropUnstoredAsync(db, store, upload.Id, ct);
        return new(ToResponse(document, version), null);
    }

    private static Problem? Validate(DocumentUpload upload, CompleteUploadRequest? request)
    {
        if (request is null || request.Version < 1 || request.Epoch < 1 || request.ContentHash is not { Length: 32 }
            || request.Signature is not { Length: DeviceKeys.SignatureBytes })
        {
            return Problem.Validation("A completion needs the version, the epoch, the 32-byte content hash and the 64-byte signature.");
        }
        if (request.KeyBox is not { Length: > 0 and <= MaxBoxBytes } || request.MetadataBox is not { Length: > 0 and <= MaxBoxBytes }
            || ScopeBox.EpochOf(request.KeyBox) != request.Epoch || ScopeBox.EpochOf(request.MetadataBox) != request.Epoch)
        {
            return new Problem(400, ProblemTypes.InvalidManifest, $"The key and metadata boxes must be scope boxes under epoch {request.Epoch} (at most {MaxBoxBytes} bytes).");
        }
        return request.ChunkCount == DocumentFormat.ChunkCount(DocumentFormat.PlaintextLength(upload.Length))
            ? null
            : new Problem(400, ProblemTypes.InvalidManifest, "The chunk count does not fit the upload's length.");
    }

    public static DocumentVersionResponse ToResponse(Document d, DocumentVersion v) => new(v.FamilyId, v.DocumentId, d.Category,
        v.Version, v.UploadId, v.Epoch, v.Size, v.ChunkCount, v.ContentHash, v.KeyBox, v.MetadataBox, v.Signature, v.UserId,
        v.DeviceId, v.CreatedAt);
}
