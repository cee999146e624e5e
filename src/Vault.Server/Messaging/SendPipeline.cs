using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Crypto;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>A send's outcome: the stored message, or the refusal (never both, never neither).</summary>
public sealed record SendOutcome
{
    private SendOutcome(MessageDelivery? message, Problem? refusal) => (Message, Refusal) = (message, refusal);

    public MessageDelivery? Message { get; }
    public Problem? Refusal { get; }

    public static SendOutcome Sent(MessageDelivery message) => new(message, null);
    public static SendOutcome Refused(Problem refusal) => new(null, refusal);
}

/// <summary>
/// Accepting a message, for the hub and REST alike, at machine speed. Everything that can be checked without the
/// database is checked here, on the caller's thread and against the family's state in memory: the sender's write
/// access, the channel, the envelope's shape and size, the epoch's freshness, the sender device's signature. Then the
/// send joins the writer's queue (<see cref="SendItem"/>), where it is checked again against the state of the moment
/// of the commit, given its sequence number and stored with its audit entries in one transaction; only then is the
/// sender answered and the message fanned out. The server cannot read the content and does not try.
/// </summary>
public sealed class SendPipeline(AccessCache cache, AuditLog writer, FanOut fanOut, Connections connections, Cluster.Presence presence,
    ISendCommitHook hook, IOptions<VaultOptions> options, TimeProvider clock)
{
    /// <summary>Each channel's last sequence number as committed; the writer alone moves it.</summary>
    internal ConcurrentDictionary<Guid, long> LastSeqs { get; } = new();

    internal FanOut FanOut => fanOut;

    internal ISendCommitHook Hook => hook;

    /// <summary>Connected to this node or, in a cluster, to another one.</summary>
    internal bool IsConnected(Guid deviceId) => connections.IsConnected(deviceId) || presence.IsConnectedElsewhere(deviceId);

    public async Task<SendOutcome> SendAsync(Actor actor, Guid familyId, Guid channelId, SendMessageRequest? request, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var state = await cache.GetAsync(familyId, ct);
        if (!state.Members.ContainsKey(actor.UserId)
            || state.PurposeOf(actor.UserId, scope, Permissions.Write, clock.GetUtcNow().ToUnixTimeMilliseconds()) is null)
        {
            var refusal = state.Members.ContainsKey(actor.UserId) ? Problem.NoConsent : Problem.NotFound;
            await writer.AppendAsync(new AuditEvent(actor, AuditActions.MessageSent, false, state.Exists ? familyId : null,
                state.Exists ? $"{scope}/messages" : $"family:{familyId}/{scope}/messages"), ct);
            return SendOutcome.Refused(refusal);
        }
        if (state.Restricted)
        {
            await writer.AppendAsync(new AuditEvent(actor, AuditActions.MessageSent, false, familyId, $"{scope}/messages"), ct);
            return SendOutcome.Refused(Problem.Restricted);
        }
        if (!state.Channels.TryGetValue(channelId, out var channel))
        {
            return SendOutcome.Refused(Problem.NotFound);
        }
        if (Validate(request) is { } invalid)
        {
            return SendOutcome.Refused(invalid);
        }
        if (channel.Archived)
        {
            return SendOutcome.Refused(Archived);
        }
        if (state.EpochProblem(scope, request!.Epoch) is { } stale)
        {
            return SendOutcome.Refused(stale);
        }
        var header = new EnvelopeHeader(familyId, channelId, request.Epoch, actor.DeviceId ?? Guid.Empty, request.ClientMessageId,
            request.Kind, request.RefClientMessageId);
        if (!state.Devices.TryGetValue(actor.DeviceId ?? Guid.Empty, out var device) || device.UserId != actor.UserId
            || !MessageEnvelope.VerifySignature(header, request.Envelope, device.SigningKey))
        {
            return SendOutcome.Refused(BadSignature);
        }
        await hook.BeforeCommitAsync(familyId, channelId, request.ClientMessageId, ct);
        // Once queued it is committed or refused as a whole: not the caller's token from here on.
        return await writer.SubmitAsync(new SendItem(this, actor, familyId, channelId, request), CancellationToken.None);
    }

    internal static readonly Problem Archived = new(409, ProblemTypes.ChannelArchived, "The channel is archived: it takes no new messages.");

    internal static readonly Problem BadSignature =
        new(400, ProblemTypes.InvalidSignature, "The envelope's signature does not verify for your device and its header.");

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

    public static MessageDelivery ToDelivery(Message m) => new(m.FamilyId, m.ChannelId, m.Seq, m.ClientMessageId, m.SenderUserId,
        m.SenderDeviceId, m.Epoch, m.Kind, m.RefClientMessageId, m.Envelope, m.SentAt);
}
