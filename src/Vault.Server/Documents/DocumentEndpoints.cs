using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>
/// Documents of a family: list, versions (with the wrapped file key), content, trash and restore. Every read of a
/// version or its content needs a read grant for the category (guardians need none) and is audited before a byte of it
/// is served; a trashed document reads as nothing until it is restored.
/// </summary>
internal static class DocumentEndpoints
{
    public static void MapDocumentReads(this IEndpointRouteBuilder app)
    {
        var documents = app.MapGroup("/families/{familyId:guid}/documents").WithTags("Documents").RequireAuthorization();
        documents.MapGet("/", List).WithSummary("Documents of the categories the caller may read (trash=true: the trash).");
        documents.MapGet("/{documentId:guid}/versions", Versions).WithSummary("Every version, newest first, with manifests and key boxes.");
        documents.MapGet("/{documentId:guid}/versions/{version:int}", Version).WithSummary("One version's manifest and file-key box.");
        documents.MapGet("/{documentId:guid}/versions/{version:int}/content", Content).WithSummary("One version's ciphertext, streamed.");
        documents.MapDelete("/{documentId:guid}", Delete).WithSummary("Move to the trash (restorable until the trash retention ends).");
        documents.MapPost("/{documentId:guid}/restore", Restore).WithSummary("Take a document out of the trash.");
    }

    private static async Task<IResult> List(Guid familyId, string? category, bool? trash, HttpContext http, FamilyAccess access,
        AccessCache cache, VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (category is not null && !ConsentScopes.DocumentCategories.Contains(category, StringComparer.Ordinal))
        {
            return Problems.Validation($"category is one of {string.Join(", ", ConsentScopes.DocumentCategories)}.");
        }
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.DocumentsListed, "documents", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var state = await cache.GetCurrentAsync(familyId, ct);
        var now = clock.GetUtcNow();
        var readable = ConsentScopes.DocumentCategories.Where(c => (category is null || c == category)
            && state.PurposeOf(actor.UserId, ConsentScopes.Documents(c), Permissions.Read, now.ToUnixTimeMilliseconds()) is not null).ToList();
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.DocumentsListed, familyId,
            $"documents{(trash == true ? "/trash" : "")}:{string.Join(",", readable)}"), ct);
        var inTrash = trash == true;
        var rows = await db.Documents.AsNoTracking()
            .Where(d => d.FamilyId == familyId && readable.Contains(d.Category) && (d.DeletedAt != null) == inTrash)
            .Join(db.DocumentVersions.AsNoTracking(), d => new { d.Id, V = d.CurrentVersion }, v => new { Id = v.DocumentId, V = v.Version },
                (d, v) => new { d, v })
            .ToListAsync(ct);
        var retention = TimeSpan.FromDays(options.Value.Documents.TrashRetentionDays);
        return TypedResults.Ok(rows.OrderByDescending(r => r.d.UpdatedAt).Select(r => new DocumentResponse(r.d.Id, r.d.Category,
            r.d.CurrentVersion, r.d.CreatedAt, r.d.CreatedBy, r.d.UpdatedAt, r.d.UpdatedBy, r.v.Size, r.v.Epoch, r.v.UploadId,
            r.v.MetadataBox, r.d.DeletedAt, r.d.DeletedAt + retention)).ToList());
    }

    private static async Task<IResult> Versions(Guid familyId, Guid documentId, HttpContext http, FamilyAccess access,
        VaultDbContext db, CancellationToken ct)
    {
        var (document, refusal) = await FindAsync(http, familyId, documentId, Permissions.Read, AuditActions.DocumentVersionsRead,
            "versions", access, db, ct);
        if (document is null)
        {
            return refusal!;
        }
        var versions = await db.DocumentVersions.AsNoTracking().Where(v => v.DocumentId == documentId)
            .OrderByDescending(v => v.Version).ToListAsync(ct);
        return TypedResults.Ok(versions.Select(v => DocumentVersions.ToResponse(document, v)).ToList());
    }

    private static async Task<IResult> Version(Guid familyId, Guid documentId, int version, HttpContext http, FamilyAccess access,
        VaultDbContext db, CancellationToken ct)
    {
        var (document, refusal) = await FindAsync(http, familyId, documentId, Permissions.Read, AuditActions.DocumentVersionRead,
            $"v{version}", access, db, ct);
        if (document is null)
        {
            return refusal!;
        }
        var found = await db.DocumentVersions.AsNoTracking().FirstOrDefaultAsync(v => v.DocumentId == documentId && v.Version == version, ct);
        return found is null ? Problems.NotFound() : TypedResults.Ok(DocumentVersions.ToResponse(document, found));
    }

    private static async Task<IResult> Content(Guid familyId, Guid documentId, int version, HttpContext http, FamilyAccess access,
        VaultDbContext db, IBlobStore store, CancellationToken ct)
    {
        var (document, refusal) = await FindAsync(http, familyId, documentId, Permissions.Read, AuditActions.DocumentContentRead,
            $"v{version}/content", access, db, ct);
        if (document is null)
        {
            return refusal!;
        }
        var found = await db.DocumentVersions.AsNoTracking().FirstOrDefaultAsync(v => v.DocumentId == documentId && v.Version == version, ct);
        if (found is null)
        {
            return Problems.NotFound();
        }
        var segments = await UploadSegments.StoredAsync(db, found.UploadId, ct);
        return await VersionContent.OpenAsync(store, segments, found.Size, ct);
    }

    private static async Task<IResult> Delete(Guid familyId, Guid documentId, HttpContext http, FamilyAccess access,
        VaultDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (document, refusal) = await FindAsync(http, familyId, documentId, Permissions.Write, AuditActions.DocumentDeleted, "",
            access, db, ct, tracked: true);
        if (document is null)
        {
            return refusal!;
        }
        document.DeletedAt = clock.GetUtcNow();
        document.DeletedBy = Actor.From(http).UserId;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Restore(Guid familyId, Guid documentId, HttpContext http, FamilyAccess access,
        VaultDbContext db, IOptions<VaultOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var (document, refusal) = await FindAsync(http, familyId, documentId, Permissions.Write, AuditActions.DocumentRestored, "",
            access, db, ct, tracked: true, trashed: true);
        if (document is null)
        {
            return refusal!;
        }
        if (document.DeletedAt!.Value.AddDays(options.Value.Documents.TrashRetentionDays) <= clock.GetUtcNow())
        {
            return Problems.NotFound(); // past the trash's retention: purged at the next sweep
        }
        document.DeletedAt = null;
        document.DeletedBy = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A member's view of one document: another family's or a missing one is 404 to everyone; then the category's grant
    /// decides (403 no-consent), and an allowed access is audited before the caller serves anything.
    /// </summary>
    private static async Task<(Document? Document, IResult? Refusal)> FindAsync(HttpContext http, Guid familyId, Guid documentId,
        string permission, string action, string what, FamilyAccess access, VaultDbContext db, CancellationToken ct,
        bool tracked = false, bool trashed = false)
    {
        var actor = Actor.From(http);
        var member = await access.CheckMemberAsync(actor, familyId, action, $"documents/{documentId}", ct);
        if (member.Denied is { } denied)
        {
            return (null, denied.ToResult());
        }
        var query = tracked ? db.Documents : db.Documents.AsNoTracking();
        var document = await query.FirstOrDefaultAsync(d => d.Id == documentId && d.FamilyId == familyId, ct);
        if (document is null || (document.DeletedAt is not null) != trashed)
        {
            return (null, Problems.NotFound());
        }
        var scope = ConsentScopes.Documents(document.Category);
        var check = await access.ScopeAsync(actor, familyId, scope, permission, action,
            what.Length == 0 ? $"{scope}/{documentId}" : $"{scope}/{documentId}/{what}", ct);
        return check.Denied is { } refused ? (null, refused.ToResult()) : (document, null);
    }
}
