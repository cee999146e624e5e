using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using Vault.Contracts.Consent;
using Vault.Contracts.DataSubject;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Documents;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.DataSubject;

public static class ErasureReasons
{
    public const string Request = "request", Retention = "retention";
}

/// <summary>
/// Erasure of one family by crypto-shredding, in phases that each finish before the next begins and are recorded as
/// they finish, so a server killed in the middle resumes where it was (ErasureRunner) and every phase may safely run
/// twice. From the moment it begins, the family answers 404 to everyone (Family.ErasingSince). The keys go first: after
/// that no ciphertext that may still be on its way out can be read by anyone, server or member. Then the objects before
/// the rows that name them, then the rows, then the personal fields of the audit entries (the Merkle tree stays valid),
/// the accounts that belonged only to this family, and the family itself; last, the receipt, signed with the audit key.
/// </summary>
public sealed class FamilyErasure(VaultDbContext db, IBlobStore store, AuditLog audit, Receipts receipts, Access.AccessStamps stamps,
    TimeProvider clock)
{
    private const int UploadBatch = 100;

    private enum Phase
    {
        Inventory, Keys, Documents, Messages, Consent, Audit, Accounts, Family, Sealed,
    }

    /// <summary>
    /// Marks the family as being erased and records the erasure, in one transaction; from its commit on, the family is
    /// gone for everyone (a new access stamp: every node stops serving it). Null when another erasure took it first.
    /// </summary>
    public async Task<Guid?> BeginAsync(Guid familyId, SubjectRequest? request, string reason, CancellationToken ct)
    {
        var erasure = new Erasure
        {
            Id = Guid.CreateVersion7(), FamilyId = familyId, RequestId = request?.Id, Reason = reason, StartedAt = clock.GetUtcNow(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Families.Where(f => f.Id == familyId && f.ErasingSince == null)
                .ExecuteUpdateAsync(set => set.SetProperty(f => f.ErasingSince, erasure.StartedAt), ct) == 0)
        {
            return null;
        }
        await stamps.StampAsync(db, [familyId], ct);
        if (request is not null)
        {
            request.Status = RequestStatus.InProgress;
        }
        db.Erasures.Add(erasure);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return erasure.Id;
    }

    /// <summary>Runs the erasure's remaining phases; returns its signed receipt (at once if it was finished already).</summary>
    public async Task<SignedReceipt> RunAsync(Guid erasureId, CancellationToken ct)
    {
        var erasure = await db.Erasures.FirstAsync(e => e.Id == erasureId, ct);
        while ((Phase)erasure.Phase != Phase.Sealed)
        {
            await RunPhaseAsync(erasure, (Phase)erasure.Phase, ct);
            erasure.Phase++;
            await db.SaveChangesAsync(ct);
        }
        return new SignedReceipt(erasure.Receipt!, erasure.ReceiptSignature!);
    }

    private async Task RunPhaseAsync(Erasure erasure, Phase phase, CancellationToken ct)
    {
        var familyId = erasure.FamilyId;
        switch (phase)
        {
            case Phase.Inventory:
                erasure.Inventory = (await ErasureInventory.TakeAsync(db, familyId, ct)).ToJson();
                break;
            case Phase.Keys:
                await db.KeyWraps.Where(w => w.FamilyId == familyId).ExecuteDeleteAsync(ct);
                await db.KeyRings.Where(r => r.FamilyId == familyId).ExecuteDeleteAsync(ct);
                break;
            case Phase.Documents:
                await EraseDocumentsAsync(familyId, ct);
                break;
            case Phase.Messages:
                // A channel at a time, through the messages' key (FamilyId on a message has no index).
                foreach (var channelId in await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).Select(c => c.Id).ToListAsync(ct))
                {
                    await db.ReadMarkers.Where(r => r.ChannelId == channelId).ExecuteDeleteAsync(ct);
                    await db.Messages.Where(m => m.ChannelId == channelId).ExecuteDeleteAsync(ct);
                    await db.Channels.Where(c => c.Id == channelId).ExecuteDeleteAsync(ct);
                }
                break;
            case Phase.Consent:
                await db.GrantSignatures.Where(s => db.Grants.Any(g => g.Id == s.GrantId && g.FamilyId == familyId)).ExecuteDeleteAsync(ct);
                await db.Grants.Where(g => g.FamilyId == familyId).ExecuteDeleteAsync(ct);
                await db.Invitations.Where(i => i.FamilyId == familyId).ExecuteDeleteAsync(ct);
                // The requests stay (the organisation must show it answered them), without what the requester wrote.
                await db.SubjectRequests.Where(r => r.FamilyId == familyId)
                    .ExecuteUpdateAsync(set => set.SetProperty(r => r.Details, (string?)null), ct);
                break;
            case Phase.Audit:
                var accounts = Inventory(erasure).Accounts.ToList();
                await AuditErasure.EraseAsync(db.AuditEntries.Where(e => e.FamilyId == familyId), keepFamilyLink: false, ct);
                await AuditErasure.EraseAsync(db.AuditEntries.Where(e => e.ActorUserId != null && accounts.Contains(e.ActorUserId.Value)),
                    keepFamilyLink: true, ct);
                break;
            case Phase.Accounts:
                await EraseAccountsAsync(Inventory(erasure).Accounts.ToList(), ct);
                break;
            case Phase.Family:
                // In one transaction with the family's own row: an upload PATCH that passed its checks before the erasure
                // began and stored a segment after the documents phase loses its object here; one later than this
                // transaction cannot store a segment row (its upload is gone), so it stores no object either.
                await using (var transaction = await db.Database.BeginTransactionAsync(ct))
                {
                    await EraseDocumentsAsync(familyId, ct);
                    await db.Memberships.Where(m => m.FamilyId == familyId).ExecuteDeleteAsync(ct);
                    await db.Families.Where(f => f.Id == familyId).ExecuteDeleteAsync(ct);
                    await transaction.CommitAsync(ct);
                }
                break;
            default:
                throw new InvalidOperationException($"Unknown erasure phase {phase}.");
        }
        if (phase == Phase.Family)
        {
            await SealAsync(erasure, ct);
        }
    }

    /// <summary>Objects first, then the rows that name them (UploadSegments), a batch of uploads at a time; then versions and documents.</summary>
    private async Task EraseDocumentsAsync(Guid familyId, CancellationToken ct)
    {
        while (true)
        {
            var batch = await db.DocumentUploads.AsNoTracking().Where(u => u.FamilyId == familyId).OrderBy(u => u.Id)
                .Select(u => u.Id).Take(UploadBatch).ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            await UploadSegments.DeleteUploadsAsync(db, store, batch, ct);
        }
        await db.DocumentVersions.Where(v => v.FamilyId == familyId).ExecuteDeleteAsync(ct);
        await db.Documents.Where(d => d.FamilyId == familyId).ExecuteDeleteAsync(ct);
    }

    /// <summary>The accounts that were only this family's: their sessions, their devices (with their wrapped keys), the account.</summary>
    private async Task EraseAccountsAsync(List<Guid> accounts, CancellationToken ct)
    {
        if (accounts.Count == 0)
        {
            return;
        }
        var subjects = accounts.Select(a => a.ToString()).ToList();
        await db.Set<OpenIddictEntityFrameworkCoreToken<Guid>>().Where(t => t.Subject != null && subjects.Contains(t.Subject)).ExecuteDeleteAsync(ct);
        await db.Set<OpenIddictEntityFrameworkCoreAuthorization<Guid>>().Where(a => a.Subject != null && subjects.Contains(a.Subject))
            .ExecuteDeleteAsync(ct);
        await db.Invitations.Where(i => i.UsedBy != null && accounts.Contains(i.UsedBy.Value)).ExecuteDeleteAsync(ct);
        await db.Devices.Where(d => accounts.Contains(d.UserId)).ExecuteDeleteAsync(ct);
        await db.Users.Where(u => accounts.Contains(u.Id)).ExecuteDeleteAsync(ct);
    }

    /// <summary>The receipt: signed, kept with the erasure; the request done; the inventory's account list dropped with it.</summary>
    private async Task SealAsync(Erasure erasure, CancellationToken ct)
    {
        var inventory = Inventory(erasure);
        var now = clock.GetUtcNow();
        var signed = receipts.Sign(new ErasureReceipt("vault.erasure.v1", erasure.RequestId ?? Guid.Empty, erasure.FamilyId, erasure.Reason,
            erasure.StartedAt, now, inventory.Parts));
        // Audited before the receipt is stored and served; no family link: the family's trail is gone with it.
        await audit.AppendAsync(AuditEvent.For(Actor.System, AuditActions.ErasureCompleted, null, $"erasure:{erasure.Id}",
            erasure.Reason), ct);
        erasure.Receipt = signed.Receipt;
        erasure.ReceiptSignature = signed.Signature;
        erasure.CompletedAt = now;
        erasure.Inventory = null;
        if (erasure.RequestId is { } requestId && await db.SubjectRequests.FirstOrDefaultAsync(r => r.Id == requestId, ct) is { } request)
        {
            request.Status = RequestStatus.Done;
            request.Outcome = "Erased: keys, messages, documents, grants, memberships and accounts destroyed; see the signed receipt.";
            request.CompletedAt = now;
        }
    }

    private static ErasureInventory Inventory(Erasure erasure) =>
        ErasureInventory.FromJson(erasure.Inventory ?? throw new InvalidOperationException("The erasure has no inventory."));
}
