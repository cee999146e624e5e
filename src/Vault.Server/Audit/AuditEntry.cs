namespace Vault.Server.Audit;

/// <summary>
/// One leaf of the audit log. The leaf hash covers time, action, outcome, family sequence and the commitment; the
/// personal fields (and the salt that opens the commitment) can be erased later without changing the leaf.
/// </summary>
public sealed class AuditEntry
{
    public long Index { get; set; }
    public long TimeUnixMs { get; set; }
    public required string Action { get; set; }
    public bool Allowed { get; set; }
    public long FamilySeq { get; set; }
    public required byte[] Commitment { get; set; }
    public byte[]? Salt { get; set; }
    public Guid? ActorUserId { get; set; }
    public Guid? ActorDeviceId { get; set; }
    public string? ActorRole { get; set; }
    public Guid? FamilyId { get; set; }
    public string? Resource { get; set; }
    public string? Purpose { get; set; }
    public string? RequestId { get; set; }
}

public sealed class AuditTreeHead
{
    public long Id { get; set; }
    public long TreeSize { get; set; }
    public long TimestampUnixMs { get; set; }
    public required byte[] RootHash { get; set; }
    public required byte[] Signature { get; set; }
}
