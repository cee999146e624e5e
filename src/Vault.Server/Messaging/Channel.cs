namespace Vault.Server.Messaging;

public sealed class Channel
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public byte[]? EncryptedMeta { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }
    public int? RetentionDays { get; set; }
    public long LastSeq { get; set; }

    /// <summary>The child member this channel is about, if any (see CreateChannelRequest).</summary>
    public Guid? SubjectUserId { get; set; }
}

/// <summary>A ciphertext envelope with a per-channel sequence number. Deleted by its sender: envelope gone, row kept.</summary>
public sealed class Message
{
    public Guid ChannelId { get; set; }
    public long Seq { get; set; }
    public Guid ClientMessageId { get; set; }
    public Guid FamilyId { get; set; }
    public Guid SenderUserId { get; set; }
    public Guid SenderDeviceId { get; set; }
    public int Epoch { get; set; }
    public required string Kind { get; set; }
    public Guid? RefClientMessageId { get; set; }
    public byte[]? Envelope { get; set; }
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
}

public sealed class ReadMarker
{
    public Guid ChannelId { get; set; }
    public Guid UserId { get; set; }
    public long UpToSeq { get; set; }
    public DateTimeOffset At { get; set; }
}
