using Microsoft.EntityFrameworkCore;
using Vault.Server.Data;
using Vault.Server.Storage;

namespace Vault.Server.Documents;

/// <summary>
/// The bytes of uploads in the blob store, with the database as the index: a segment's row is written before its
/// object, so no object exists that the database does not name; it counts only once marked stored together with
/// the upload's new offset (one transaction, guarded by the offset it started from).
/// </summary>
internal static class UploadSegments
{
    public static async Task AppendAsync(VaultDbContext db, IBlobStore store, DocumentUpload upload, Stream body, long length,
        CancellationToken ct)
    {
        var segment = new UploadSegment { Id = Guid.NewGuid(), UploadId = upload.Id, Offset = upload.Offset, Length = length };
        db.UploadSegments.Add(segment);
        await db.SaveChangesAsync(ct);
        try
        {
            await store.PutAsync(segment.Key, body, length, ct);
            segment.Stored = true;
            upload.Offset += length;
            await db.SaveChangesAsync(ct); // a concurrent PATCH at the same offset loses here
        }
        catch (Exception e) when (e is not DbUpdateConcurrencyException)
        {
            await ForgetAsync(db, store, segment);
            throw;
        }
        catch (DbUpdateConcurrencyException)
        {
            await ForgetAsync(db, store, segment);
            throw new UploadRaceException();
        }
    }

    /// <summary>
    /// Deletes an object that did not become part of its upload, then its row. If the store is down the row stays,
    /// not stored, and the sweeper deletes the object when the upload completes or expires.
    /// </summary>
    private static async Task ForgetAsync(VaultDbContext db, IBlobStore store, UploadSegment segment)
    {
        db.ChangeTracker.Clear();
        try
        {
            await store.DeleteAsync(segment.Key, CancellationToken.None);
        }
        catch (BlobStoreUnavailableException)
        {
            return;
        }
        await db.UploadSegments.Where(s => s.Id == segment.Id).ExecuteDeleteAsync(CancellationToken.None);
    }

    /// <summary>Stored segments of an upload in order: the version's ciphertext, end to end.</summary>
    public static Task<List<UploadSegment>> StoredAsync(VaultDbContext db, Guid uploadId, CancellationToken ct) =>
        db.UploadSegments.AsNoTracking().Where(s => s.UploadId == uploadId && s.Stored).OrderBy(s => s.Offset).ToListAsync(ct);

    /// <summary>Deletes the objects of the given uploads' segments (stored or not), then their rows and the uploads.</summary>
    public static async Task DeleteUploadsAsync(VaultDbContext db, IBlobStore store, IReadOnlyCollection<Guid> uploadIds, CancellationToken ct)
    {
        var segments = await db.UploadSegments.AsNoTracking().Where(s => uploadIds.Contains(s.UploadId)).ToListAsync(ct);
        foreach (var segment in segments)
        {
            await store.DeleteAsync(segment.Key, ct);
        }
        await db.UploadSegments.Where(s => uploadIds.Contains(s.UploadId)).ExecuteDeleteAsync(ct);
        await db.DocumentUploads.Where(u => uploadIds.Contains(u.Id)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Objects of a completed upload that never became part of it (interrupted PATCHes): deleted, rows too.</summary>
    public static async Task DropUnstoredAsync(VaultDbContext db, IBlobStore store, Guid uploadId, CancellationToken ct)
    {
        var strays = await db.UploadSegments.AsNoTracking().Where(s => s.UploadId == uploadId && !s.Stored).ToListAsync(ct);
        foreach (var stray in strays)
        {
            await store.DeleteAsync(stray.Key, ct);
            await db.UploadSegments.Where(s => s.Id == stray.Id).ExecuteDeleteAsync(ct);
        }
    }
}

/// <summary>Two PATCHes raced for one offset; the other one won.</summary>
internal sealed class UploadRaceException : Exception
{
    public UploadRaceException() : base("Another PATCH moved the upload first.")
    {
    }
}
