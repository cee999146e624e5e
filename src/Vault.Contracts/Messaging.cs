using Vault.Contracts.Consent;
using Vault.Contracts.KeyRings;

namespace Vault.Contracts.Messaging;

/// <summary>The default size limit of an envelope (padded ciphertext plus signature); servers may configure it.</summary>
public static class MessageLimits
{
    public const int MaxEnvelopeBytes = 64 * 1024 + 1024;
}

public static class MessageKinds
{
    public const string Message = "message", Edit = "edit", Delete = "delete";

    public static bool IsKnown(string? kind) => kind is Message or Edit or Delete;
}

/// <summary>
/// A new channel with its first key epoch. The grants for the channel's scope come with it, so that the family's
/// first channel can be checked for its coordinator or wijkcoach (kennismaking) before anything exists.
/// <c>SubjectUserId</c> names the child member the channel is about: the child reads and writes it without a grant,
/// and every grant for it must name the child as its subject, so the Jeugdwet age rules decide who signs.
/// </summary>
public sealed record CreateChannelRequest(
    Guid ChannelId, byte[]? EncryptedMeta, int? RetentionDays, IReadOnlyList<SubmitGrantRequest> Grants,
    IReadOnlyList<KeyWrapUpload> Wraps, Guid? SubjectUserId = null);

public sealed record ChannelResponse(
    Guid Id, Guid FamilyId, byte[]? EncryptedMeta, DateTimeOffset CreatedAt, DateTimeOffset? ArchivedAt,
    int? RetentionDays, long LastSeq, int CurrentEpoch, bool Stale, Guid? SubjectUserId = null);

/// <summary>
/// The retention must be given, as a number of days or as null (keep messages): a body without it is refused rather
/// than read as "no retention", which would silently keep what the family asked to expire.
/// </summary>
public sealed record UpdateChannelRequest([property: System.Text.Json.Serialization.JsonRequired] int? RetentionDays);

/// <summary>A signed envelope (Vault.Crypto.MessageEnvelope); the sending device comes from the token.</summary>
public sealed record SendMessageRequest(Guid ClientMessageId, int Epoch, string Kind, Guid? RefClientMessageId, byte[] Envelope);

/// <summary>A stored message as delivered. <c>Envelope</c> is null once deleted by its sender.</summary>
public sealed record MessageDelivery(
    Guid FamilyId, Guid ChannelId, long Seq, Guid ClientMessageId, Guid SenderUserId, Guid SenderDeviceId, int Epoch,
    string Kind, Guid? RefClientMessageId, byte[]? Envelope, DateTimeOffset SentAt);

/// <summary>A refusal over the hub: the problem type URI, status and title the same request would get over REST.</summary>
public sealed record HubProblem(string Type, int Status, string Title);

/// <summary>The hub's answer to Send: the stored message, or the refusal (never both, never neither).</summary>
public sealed record SendResult(MessageDelivery? Message, HubProblem? Refusal);

public sealed record HistoryResponse(IReadOnlyList<MessageDelivery> Messages, long LastSeq);

public sealed record ReadReceiptRequest(long UpToSeq);

public sealed record ReadReceiptInfo(Guid UserId, long UpToSeq, DateTimeOffset At);

/// <summary>Why a connection stops receiving a scope, or must re-read its key ring (<see cref="AccessChanges"/>).</summary>
public sealed record AccessChange(Guid FamilyId, string Scope, string Change);

/// <summary>The <see cref="AccessChange.Change"/> values. A removal names scope "*": every scope of the family.</summary>
public static class AccessChanges
{
    public const string Withdrawn = "withdrawn", Expired = "expired", Removed = "removed", Rotated = "rotated", Keys = "keys";
}

/// <summary>What the real-time hub calls on its clients.</summary>
public interface IVaultHubClient
{
    Task Message(MessageDelivery message);
    Task AccessChanged(AccessChange change);
}

public static class HubPaths
{
    public const string Hub = "/hubs/vault";
}
