using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Crypto;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>
/// Accepting a message, for REST and the hub alike. The server checks what it can without keys: the sender's active
/// grant, the shape and size of the envelope, the epoch's freshness, the sender device's signature over header and
/// ciphertext, and that edits and deletions reference the sender's own message. It cannot read the content and
/// does not try. A retried client message id returns the stored message instead of a duplicate.
/// </summary>
public sealed class MessageService(VaultDbContext db, FamilyAccess access, AuditLog audit, Delivery delivery,
    IOptions<VaultOptions> options, TimeProvider clock, ISendCommitHook hook)
{
    public async Task<(MessageDelivery? Message, Problem? Problem)> SendAsync(Actor actor, Guid familyId, Guid channelId,
        SendMessageRequest? request, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.MessageSent,
            $"{scope}/messages", ct);
        if (check.Denied is not null)
        {
            return (null, check.Denied);
        }
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        if (channel is null)
        {
            return (null, Problem.NotFound);
        }
        if (Validate(request) is { } invalid)
        {
            return (null, invalid);
        }
        var existing = await db.Messages.AsNoTracking()
            .FirstOrDefaultAsync(m => m.ChannelId == channelId && m.ClientMessageId == request!.ClientMessageId, ct);
        if (existing is not null)
        {
            return IsRetryOf(existing, actor, request!)
                ? (ToDelivery(existing), null)
                : (null, new Problem(409, ProblemTypes.Conflict, "This client message id is taken by another message."));
        }
        if (channel.ArchivedAt is not null)
        {
            return (null, new Problem(409, ProblemTypes.ChannelArchived, "The channel is archived: it takes no new messages."));
        }
        if (await CheckAgainstStateAsync(actor, familyId, channelId, request!, ct) is { } refused)
        {
            return (null, refused);
        }

        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.MessageSent, familyId, $"{scope}/messages/{request!.ClientMessageId}",
            check.Purpose), ct);
        await hook.BeforeCommitAsync(familyId, channelId, request.ClientMessageId, ct);
        var (message, changed) = await StoreAsync(actor, familyId, channelId, request, ct);
        if (changed is not null)
        {
            return (null, changed);
        }
        if (message is null)
        {
            // lost a race with its own retry: the first one is stored
            var stored = await db.Messages.AsNoTracking().FirstAsync(m => m.ChannelId == channelId && m.ClientMessageId == request.ClientMessageId, ct);
            return IsRetryOf(stored, actor, request) ? (ToDelivery(stored), null) : (null, new Problem(409, ProblemTypes.Conflict, "This client message id is taken."));
        }
        var result = ToDelivery(message);
        await delivery.DeliverAsync(result);
        return (result, null);
    }

    private Problem? Validate(SendMessageRequest? request)
    {
        if (request is null || request.ClientMessageId == Guid.Empty || !MessageKinds.IsKnown(request.Kind) || request.Epoch < 1
            || (request.Kind == MessageKinds.Message) != (request.RefClientMessageId is null))
        {
            return Problem.Validation("A message needs a client message id, a kind (message, edit, delete), an epoch, and a reference exactly when it edits or deletes.");
        }
        if (request.Envelope is null)
        {
            return new Problem(400, ProblemTypes.InvalidEnvelope, "An envelope is required.");
        }
        if (request.Envelope.Length > options.Value.Messaging.MaxEnvelopeBytes)
        {
            return new Problem(413, ProblemTypes.PayloadTooLarge, $"An envelope is at most {options.Value.Messaging.MaxEnvelopeBytes} bytes.");
        }
        return MessageEnvelope.IsWellFormed(request.Envelope)
            ? null
            : new Problem(400, ProblemTypes.InvalidEnvelope, "The envelope is malformed.");
    }

    private async Task<Problem?> CheckAgainstStateAsync(Actor actor, Guid familyId, Guid channelId, SendMessageRequest request,
        CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var ring = await db.KeyRings.AsNoTracking().FirstOrDefaultAsync(r => r.FamilyId == familyId && r.Scope == scope, ct);
        if (ring is null || ring.Stale || request.Epoch != ring.CurrentEpoch)
        {
            return new Problem(409, ProblemTypes.StaleEpoch,
                ring is { Stale: true } ? "Access changed: rotate the channel's key ring, then send." : $"Send under the current epoch ({ring?.CurrentEpoch}).");
        }
        if (request.RefClientMessageId is { } target && await OriginalProblemAsync(actor, channelId, target, ct) is { } problem)
        {
            return problem;
        }
        var key = await db.Devices.AsNoTracking().Where(d => d.Id == actor.DeviceId && d.RevokedAt == null)
            .Select(d => d.SigningKey).FirstOrDefaultAsync(ct);
        var header = new EnvelopeHeader(familyId, channelId, request.Epoch, actor.DeviceId ?? Guid.Empty, request.ClientMessageId,
            request.Kind, request.RefClientMessageId);
        return key is not null && MessageEnvelope.VerifySignature(header, request.Envelope, key)
            ? null
            : new Problem(400, ProblemTypes.InvalidSignature, "The envelope's signature does not verify for your device and its header.");
    }

    private async Task<Problem?> OriginalProblemAsync(Actor actor, Guid channelId, Guid target, CancellationToken ct)
    {
        var original = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.ChannelId == channelId && m.ClientMessageId == target, ct);
        return original is null || original.SenderUserId != actor.UserId || original.Kind != MessageKinds.Message || original.DeletedAt is not null
            ? Problem.Validation("Only your own, undeleted message can be edited or deleted.")
            : null;
    }

    /// <summary>
    /// Next sequence number and the row in one transaction; no message when the client id was taken meanwhile, and a
    /// refusal when the state it was checked against changed meanwhile: checked again under the write lock, so a
    /// withdrawal, removal, revocation or rotation that committed first always wins.
    /// </summary>
    private async Task<(Message? Message, Problem? Changed)> StoreAsync(Actor actor, Guid familyId, Guid channelId, SendMessageRequest request, CancellationToken ct)
    {
        var sentAt = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The update comes first so the transaction holds the write lock before it reads (no upgrade deadlock).
        await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(set => set.SetProperty(c => c.LastSeq, c => c.LastSeq + 1), ct);
        var seq = await db.Channels.Where(c => c.Id == channelId).Select(c => c.LastSeq).FirstAsync(ct);
        var message = new Message
        {
            ChannelId = channelId, Seq = seq, ClientMessageId = request.ClientMessageId, FamilyId = familyId,
            SenderUserId = actor.UserId, SenderDeviceId = actor.DeviceId!.Value, Epoch = request.Epoch, Kind = request.Kind,
            RefClientMessageId = request.RefClientMessageId, Envelope = request.Envelope, SentAt = sentAt,
        };
        db.Messages.Add(message);
        var scope = ConsentScopes.Channel(channelId);
        // The state as this transaction (holding the write lock) sees it, not the cache: a change that committed a moment
        // ago counts even before the cache has heard of it.
        var now = await FamilyState.LoadAsync(db, familyId, ct);
        if (now.PurposeOf(actor.UserId, scope, Permissions.Write, clock.GetUtcNow().ToUnixTimeMilliseconds()) is null
            || !now.Devices.ContainsKey(actor.DeviceId ?? Guid.Empty))
        {
            return (null, Problem.NoConsent); // rolls back
        }
        if (!await db.KeyRings.AnyAsync(r => r.FamilyId == familyId && r.Scope == scope && !r.Stale && r.CurrentEpoch == request.Epoch, ct))
        {
            return (null, new Problem(409, ProblemTypes.StaleEpoch, "Access changed: rotate the channel's key ring, then send."));
        }
        if (request.RefClientMessageId is { } target && await OriginalProblemAsync(actor, channelId, target, ct) is { } gone)
        {
            return (null, gone); // deleted a moment ago
        }
        if (request.Kind == MessageKinds.Delete)
        {
            // A deletion erases the original's ciphertext; its row, sender and sequence number stay in the history.
            await db.Messages.Where(m => m.ChannelId == channelId && m.ClientMessageId == request.RefClientMessageId)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.Envelope, (byte[]?)null).SetProperty(m => m.DeletedAt, sentAt), ct);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return (null, null); // the transaction rolls back, sequence number included
        }
        await db.Families.Where(f => f.Id == familyId).ExecuteUpdateAsync(set => set.SetProperty(f => f.LastActivity, sentAt), ct);
        await transaction.CommitAsync(ct);
        return (message, null);
    }

    // A retry may carry a fresh encryption of the same message (new nonce): same device and id means the same message.
    private static bool IsRetryOf(Message stored, Actor actor, SendMessageRequest request) =>
        stored.SenderDeviceId == actor.DeviceId && stored.Kind == request.Kind && stored.RefClientMessageId == request.RefClientMessageId;

    public static MessageDelivery ToDelivery(Message m) => new(m.FamilyId, m.ChannelId, m.Seq, m.ClientMessageId, m.SenderUserId,
        m.SenderDeviceId, m.Epoch, m.Kind, m.RefClientMessageId, m.Envelope, m.SentAt);
}
