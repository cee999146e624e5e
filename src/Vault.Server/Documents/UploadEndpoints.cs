using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>
/// Resumable uploads (tus 1.0 core): create, HEAD for the offset, PATCH from it, complete. An upload belongs to the
/// account that created it (anyone else gets 404) and needs a write grant for its category at every step, so a
/// withdrawal stops an upload between two PATCHes. Nothing becomes visible before complete.
/// </summary>
internal static class UploadEndpoints
{
    public static void MapUploads(this IEndpointRouteBuilder app, VaultOptions options)
    {
        var uploads = app.MapGroup("/families/{familyId:guid}/documents/uploads").WithTags("Documents").RequireAuthorization();
        uploads.MapPost("/", Create).WithSummary("Start an upload of a new document or a new version: its ciphertext's exact length.");
        uploads.MapMethods("/{uploadId:guid}", ["HEAD"], Head).WithSummary("How many bytes arrived (Upload-Offset), for resuming.");
        uploads.MapPatch("/{uploadId:guid}", Patch)
            .WithMetadata(new RequestSizeLimitAttribute(options.Documents.MaxPatchBytes))
            .WithSummary("Append bytes at Upload-Offset (application/offset+octet-stream).");
        uploads.MapPost("/{uploadId:guid}/complete", Complete).WithSummary("Make a finished upload a version, with its signed manifest.");
    }

    private static async Task<IResult> Create(Guid familyId, CreateUploadRequest request, HttpContext http, FamilyAccess access,
        VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (request.Category is null || !ConsentScopes.DocumentCategories.Contains(request.Category, StringComparer.Ordinal))
        {
            return Problems.Validation($"category is one of {string.Join(", ", ConsentScopes.DocumentCategories)}.");
        }
        var scope = ConsentScopes.Documents(request.Category);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.DocumentUploadStarted, scope, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (request.DocumentId is { } existing && !await db.Documents.AnyAsync(d => d.Id == existing && d.FamilyId == familyId
                && d.Category == request.Category && d.DeletedAt == null, ct))
        {
            return Problems.NotFound();
        }
        var limits = options.Value.Documents;
        if (DocumentFormat.PlaintextLength(request.Length) < 0)
        {
            return Problems.Validation("length must be the exact length of a secretstream ciphertext (header, chunks, final chunk).");
        }
        if (request.Length > limits.MaxFileBytes)
        {
            return Problems.Result(413, ProblemTypes.PayloadTooLarge, "The document is too large.",
                $"A document is at most {limits.MaxFileBytes} bytes on this server.");
        }
        if (await DocumentQuota.UsedAsync(db, familyId, clock.GetUtcNow(), ct) + request.Length > limits.FamilyQuotaBytes)
        {
            return Problems.Result(413, ProblemTypes.QuotaExceeded, "The family's document quota is full.",
                $"This family may store {limits.FamilyQuotaBytes} bytes; empty the trash or ask the server's operator for more.");
        }
        var now = clock.GetUtcNow();
        var upload = new DocumentUpload
        {
            Id = Guid.NewGuid(), FamilyId = familyId, DocumentId = request.DocumentId ?? Guid.NewGuid(), Category = request.Category,
            Length = request.Length, UserId = actor.UserId, CreatedAt = now, ExpiresAt = now.AddHours(limits.UploadExpiryHours),
        };
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.DocumentUploadStarted, familyId,
            $"{scope}/{upload.DocumentId}/uploads/{upload.Id}", check.Purpose), ct);
        db.DocumentUploads.Add(upload);
        await db.SaveChangesAsync(ct);
        SetTusHeaders(http, upload);
        return TypedResults.Created($"/families/{familyId}/documents/uploads/{upload.Id}", ToResponse(upload));
    }

    private static async Task<IResult> Head(Guid familyId, Guid uploadId, HttpContext http, FamilyAccess access, VaultDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        var (upload, refusal) = await FindOwnAsync(Actor.From(http), familyId, uploadId, access, db, clock, tracked: false, ct);
        if (upload is null)
        {
            return refusal!;
        }
        SetTusHeaders(http, upload);
        return TypedResults.Ok();
    }

    private static async Task<IResult> Patch(Guid familyId, Guid uploadId, HttpContext http, FamilyAccess access, VaultDbContext db,
        IBlobStore store, TimeProvider clock, CancellationToken ct)
    {
        var (upload, refusal) = await FindOwnAsync(Actor.From(http), familyId, uploadId, access, db, clock, tracked: true, ct);
        if (upload is null)
        {
            return refusal!;
        }
        var request = http.Request;
        if (!string.Equals(request.ContentType, TusHeaders.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Result(415, ProblemTypes.UnsupportedMediaType, $"Send the bytes as {TusHeaders.ContentType}.");
        }
        if (!long.TryParse(request.Headers[TusHeaders.Offset], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var offset))
        {
            return Problems.Validation($"The {TusHeaders.Offset} header must say where these bytes go.");
        }
        if (request.ContentLength is not { } length)
        {
            return Problems.Result(411, ProblemTypes.ForStatus(411), "A PATCH needs a Content-Length.");
        }
        if (upload.CompletedAt is not null || offset != upload.Offset)
        {
            SetTusHeaders(http, upload);
            return Problems.Result(409, ProblemTypes.UploadOffsetMismatch, "The upload is not at that offset.",
                upload.CompletedAt is null ? $"It is at {upload.Offset}: HEAD, then PATCH from there." : "It is complete.");
        }
        if (offset + length > upload.Length)
        {
            return Problems.Validation("These bytes would run past the upload's length.");
        }
        if (length > 0)
        {
            try
            {
                await UploadSegments.AppendAsync(db, store, upload, http.Request.Body, length, ct);
            }
            catch (UploadRaceException)
            {
                return Problems.Result(409, ProblemTypes.UploadOffsetMismatch, "The upload is not at that offset.",
                    "Another request moved it first: HEAD, then PATCH from there.");
            }
        }
        SetTusHeaders(http, upload);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Complete(Guid familyId, Guid uploadId, CompleteUploadRequest request, HttpContext http,
        FamilyAccess access, VaultDbContext db, DocumentVersions versions, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var (upload, refusal) = await FindOwnAsync(actor, familyId, uploadId, access, db, clock, tracked: true, ct);
        if (upload is null)
        {
            return refusal!;
        }
        if (upload.CompletedAt is not null || upload.Offset != upload.Length)
        {
            return Problems.Result(409, ProblemTypes.UploadIncomplete, "The upload is not ready to complete.",
                upload.CompletedAt is null ? $"{upload.Offset} of {upload.Length} bytes arrived." : "It is complete already.");
        }
        var outcome = await versions.CreateAsync(actor, upload, request, ct);
        return outcome.Version is { } created
            ? TypedResults.Created($"/families/{familyId}/documents/{created.DocumentId}/versions/{created.Version}", created)
            : outcome.Refusal!.ToResult();
    }

    /// <summary>The caller's own live upload with a write grant for its category; anyone else's looks like nothing.</summary>
    private static async Task<(DocumentUpload? Upload, IResult? Refusal)> FindOwnAsync(Actor actor, Guid familyId, Guid uploadId,
        FamilyAccess access, VaultDbContext db, TimeProvider clock, bool tracked, CancellationToken ct)
    {
        var member = await access.CheckMemberAsync(actor, familyId, AuditActions.DocumentUploadWritten, $"documents/uploads/{uploadId}", ct);
        if (member.Denied is { } denied)
        {
            return (null, denied.ToResult());
        }
        var query = tracked ? db.DocumentUploads : db.DocumentUploads.AsNoTracking();
        var now = clock.GetUtcNow();
        var upload = await query.FirstOrDefaultAsync(u => u.Id == uploadId && u.FamilyId == familyId && u.UserId == actor.UserId, ct);
        if (upload is null || (upload.CompletedAt is null && upload.ExpiresAt <= now))
        {
            return (null, Problems.NotFound());
        }
        var scope = ConsentScopes.Documents(upload.Category);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.DocumentUploadWritten,
            $"{scope}/{upload.DocumentId}/uploads/{upload.Id}", ct);
        return check.Denied is { } refused ? (null, refused.ToResult()) : (upload, null);
    }

    private static void SetTusHeaders(HttpContext http, DocumentUpload upload)
    {
        var headers = http.Response.Headers;
        headers[TusHeaders.Resumable] = TusHeaders.Version;
        headers[TusHeaders.Offset] = upload.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers[TusHeaders.Length] = upload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers[TusHeaders.Expires] = upload.ExpiresAt.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        headers.CacheControl = "no-store";
    }

    private static UploadResponse ToResponse(DocumentUpload u) => new(u.Id, u.DocumentId, u.Category, u.Length, u.Offset, u.ExpiresAt);
}
