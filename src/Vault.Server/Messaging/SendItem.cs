using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>
/// One send inside the writer's transaction. It is checked again against the family's state as of this transaction —
/// so a withdrawal, removal, revocation or rotation that committed first always wins — then numbered, stored and
/// audited (message.sent, allowed or denied). Retries of a stored client message id get the stored message back.
/// </summary>
internal sealed class SendItem(SendPipeline pipeline, Actor actor, Guid familyId, Guid channelId, SendMessageRequest request)
    : WriteItem<SendOutcome>
{
    public override Guid? FamilyId => familyId;

    public override async Task ApplyAsync(WriteBatch batch, CancellationToken ct)
    {
        SetResult(await SendAsync(batch, ct));
    }

    private async Task<SendOutcome> SendAsync(WriteBatch batch, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var resource = $"{scope}/messages/{request.ClientMessageId}";
        var state = await batch.FamilyStateAsync(familyId, ct);
        var purpose = state.PurposeOf(actor.UserId, scope, Permissions.Write, batch.TimeUnixMs);
        if (purpose is null || !state.Devices.TryGetValue(actor.DeviceId ?? Guid.Empty, out var device) || device.UserId != actor.UserId)
        {
            await batch.AppendAsync(new AuditEvent(actor, AuditActions.MessageSent, false, state.Exists ? familyId : null, resource), ct);
            return SendOutcome.Refused(state.Members.ContainsKey(actor.UserId) ? Problem.NoConsent : Problem.NotFound);
        }
        if (state.Restricted)
        {
            // Restricted after the send was checked and before it committed: the restriction committed first, so it wins.
            await batch.AppendAsync(new AuditEvent(actor, AuditActions.MessageSent, false, familyId, resource), ct);
            return SendOutcome.Refused(Problem.Restricted);
        }
        if (!state.Channels.TryGetValue(channelId, out var channel))
        {
            return SendOutcome.Refused(Problem.NotFound);
        }
        var sends = batch.Shared(b => new SendBatch(b, pipeline));
        if (channel.Archived)
        {
            return SendOutcome.Refused(SendPipeline.Archived);
        }
        if (state.EpochProblem(scope, request.Epoch) is { } stale)
        {
            return SendOutcome.Refused(stale);
        }
        if (request.RefClientMessageId is { } target)
        {
            var original = await sends.StoredAsync(channelId, target, ct);
            if (original is not { Kind: MessageKinds.Message, DeletedAt: null } || original.SenderUserId != actor.UserId)
            {
                return SendOutcome.Refused(Problem.Validation("Only your own, undeleted message can be edited or deleted."));
            }
        }
        var message = new Message
        {
            ChannelId = channelId, ClientMessageId = request.ClientMessageId, FamilyId = familyId, SenderUserId = actor.UserId,
            SenderDeviceId = device.Id, Epoch = request.Epoch, Kind = request.Kind, RefClientMessageId = request.RefClientMessageId,
            Envelope = request.Envelope, SentAt = DateTimeOffset.FromUnixTimeMilliseconds(batch.TimeUnixMs),
        };
        if (!await sends.StoreAsync(message, ct))
        {
            // The id is taken. A retry may carry a fresh encryption of the same message (new nonce): same device, kind and
            // reference is the same message, answered as stored (it was audited when it was sent).
            var stored = (await sends.StoredAsync(channelId, request.ClientMessageId, ct))!;
            return stored.SenderDeviceId == actor.DeviceId && stored.Kind == request.Kind && stored.RefClientMessageId == request.RefClientMessageId
                ? SendOutcome.Sent(SendPipeline.ToDelivery(stored))
                : SendOutcome.Refused(new Problem(409, ProblemTypes.Conflict, "This client message id is taken by another message."));
        }
        await batch.AppendAsync(AuditEvent.For(actor, AuditActions.MessageSent, familyId, resource, purpose), ct);
        var delivery = SendPipeline.ToDelivery(message);
        sends.Deliver(delivery, state, scope);
        return SendOutcome.Sent(delivery);
    }
}

/// <summary>
/// What the sends of one batch share: the channels' next sequence numbers, the messages stored so far (a retry or an
/// edit may name one from earlier in the same batch), and the deliveries. Before the commit it audits one delivery
/// entry per device and channel (naming the range of sequence numbers it gets) and moves each channel's LastSeq once;
/// after the commit it hands the messages to the fan-out in sequence order.
/// </summary>
internal sealed class SendBatch
{
    // A taken client message id inserts nothing (and consumes no sequence number): the send is a retry or a conflict.
    private const string InsertMessage = """
        INSERT INTO "Messages" ("ChannelId", "Seq", "ClientMessageId", "FamilyId", "SenderUserId", "SenderDeviceId", "Epoch", "Kind",
            "RefClientMessageId", "Envelope", "SentAt", "DeletedAt")
        VALUES (@ChannelId, @Seq, @ClientMessageId, @FamilyId, @SenderUserId, @SenderDeviceId, @Epoch, @Kind, @RefClientMessageId,
            @Envelope, @SentAt, NULL)
        ON CONFLICT ("ChannelId", "ClientMessageId") DO NOTHING
        """;

    private const string EraseOriginal = """
        UPDATE "Messages" SET "Envelope" = NULL, "DeletedAt" = @DeletedAt WHERE "ChannelId" = @ChannelId AND "ClientMessageId" = @ClientMessageId
        """;

    private readonly WriteBatch batch;
    private readonly SendPipeline pipeline;
    private readonly Dictionary<Guid, long> seqs = [];
    private readonly Dictionary<(Guid, Guid), Message> stored = [];
    private readonly Dictionary<(Guid Device, Guid Channel), DeviceDelivery> devices = [];
    private readonly List<(MessageDelivery Message, List<Guid> Devices)> fanOut = [];
    private readonly HashSet<Guid> families = [];

    public SendBatch(WriteBatch batch, SendPipeline pipeline)
    {
        this.batch = batch;
        this.pipeline = pipeline;
        if (batch.ForeignWrites)
        {
            pipeline.LastSeqs.Clear(); // another node numbered messages since: read each channel's last number again
        }
        batch.BeforeCommit(FlushAsync);
        batch.Publish(async () =>
        {
            await pipeline.Hook.BeforeDeliveryAsync(fanOut.ConvertAll(d => d.Message));
            await pipeline.FanOut.DeliverAsync(fanOut);
        });
        batch.AfterCommit(Committed);
    }

    /// <summary>A stored message (from earlier in this batch, or committed), for retries and edits: rare, so through EF.</summary>
    public async Task<Message?> StoredAsync(Guid channelId, Guid clientMessageId, CancellationToken ct)
    {
        if (stored.TryGetValue((channelId, clientMessageId), out var known))
        {
            return known;
        }
        var row = await batch.Db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.ChannelId == channelId && m.ClientMessageId == clientMessageId, ct);
        return row is null ? null : stored[(channelId, clientMessageId)] = row;
    }

    private async Task<long> LastSeqAsync(Guid channelId, CancellationToken ct)
    {
        if (!seqs.TryGetValue(channelId, out var last) && !pipeline.LastSeqs.TryGetValue(channelId, out last))
        {
            last = await batch.Db.Channels.AsNoTracking().Where(c => c.Id == channelId).Select(c => c.LastSeq).FirstAsync(ct);
        }
        return last;
    }

    /// <summary>Stores the message under the channel's next sequence number; false when its client message id is taken.</summary>
    public async Task<bool> StoreAsync(Message message, CancellationToken ct)
    {
        message.Seq = await LastSeqAsync(message.ChannelId, ct) + 1;
        var inserted = await batch.ExecuteAsync(typeof(Message), InsertMessage, ct, (nameof(Message.ChannelId), message.ChannelId),
            (nameof(Message.Seq), message.Seq), (nameof(Message.ClientMessageId), message.ClientMessageId),
            (nameof(Message.FamilyId), message.FamilyId), (nameof(Message.SenderUserId), message.SenderUserId),
            (nameof(Message.SenderDeviceId), message.SenderDeviceId), (nameof(Message.Epoch), message.Epoch),
            (nameof(Message.Kind), message.Kind), (nameof(Message.RefClientMessageId), message.RefClientMessageId),
            (nameof(Message.Envelope), message.Envelope), (nameof(Message.SentAt), message.SentAt));
        if (inserted == 0)
        {
            return false;
        }
        seqs[message.ChannelId] = message.Seq;
        if (message.Kind == MessageKinds.Delete)
        {
            // A deletion erases the original's ciphertext; its row, sender and sequence number stay in the history.
            await batch.ExecuteAsync(typeof(Message), EraseOriginal, ct, (nameof(Message.DeletedAt), message.SentAt),
                (nameof(Message.ChannelId), message.ChannelId), (nameof(Message.ClientMessageId), message.RefClientMessageId));
            if (stored.TryGetValue((message.ChannelId, message.RefClientMessageId!.Value), out var original))
            {
                original.Envelope = null;
                original.DeletedAt = message.SentAt;
            }
        }
        stored[(message.ChannelId, message.ClientMessageId)] = message;
        families.Add(message.FamilyId);
        return true;
    }

    /// <summary>
    /// The devices that get the message live: unrevoked devices, connected to any node, of everyone who may read the
    /// channel as of this transaction. Their delivery is audited in this batch, before anything is sent.
    /// </summary>
    public void Deliver(MessageDelivery message, FamilyState state, string scope)
    {
        var targets = new List<Guid>();
        foreach (var device in state.Devices.Values)
        {
            if (!pipeline.IsConnected(device.Id) || !state.Members.TryGetValue(device.UserId, out var member)
                || state.PurposeOf(device.UserId, scope, Permissions.Read, batch.TimeUnixMs) is not { } purpose)
            {
                continue;
            }
            targets.Add(device.Id);
            if (devices.TryGetValue((device.Id, message.ChannelId), out var known))
            {
                known.LastSeq = message.Seq;
            }
            else
            {
                devices[(device.Id, message.ChannelId)] = new DeviceDelivery(new Actor(device.UserId, device.Id, member.Role, ""),
                    message.FamilyId, scope, purpose, message.Seq);
            }
        }
        fanOut.Add((message, targets));
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        foreach (var d in devices.Values)
        {
            var range = d.FirstSeq == d.LastSeq ? $"{d.FirstSeq}" : $"{d.FirstSeq}-{d.LastSeq}";
            await batch.AppendAsync(new AuditEvent(d.Reader, AuditActions.MessageDelivered, true, d.FamilyId, $"{d.Scope}/messages/{range}",
                d.Purpose), ct);
        }
        foreach (var (channelId, last) in seqs)
        {
            await batch.ExecuteAsync(typeof(Channel), """UPDATE "Channels" SET "LastSeq" = @LastSeq WHERE "Id" = @Id""", ct,
                (nameof(Channel.LastSeq), last), (nameof(Channel.Id), channelId));
        }
        var now = DateTimeOffset.FromUnixTimeMilliseconds(batch.TimeUnixMs);
        foreach (var familyId in families)
        {
            await batch.ExecuteAsync(typeof(Family), """UPDATE "Families" SET "LastActivity" = @LastActivity WHERE "Id" = @Id""", ct,
                (nameof(Family.LastActivity), now), (nameof(Family.Id), familyId));
        }
    }

    private void Committed()
    {
        foreach (var (channelId, last) in seqs)
        {
            pipeline.LastSeqs[channelId] = last;
        }
    }

    private sealed class DeviceDelivery(Actor reader, Guid familyId, string scope, string purpose, long seq)
    {
        public Actor Reader { get; } = reader;
        public Guid FamilyId { get; } = familyId;
        public string Scope { get; } = scope;
        public string Purpose { get; } = purpose;
        public long FirstSeq { get; } = seq;
        public long LastSeq { get; set; } = seq;
    }
}
