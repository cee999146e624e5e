namespace Vault.Server.Consent;

/// <summary>
/// A consent grant as signed by the family (see Vault.Crypto.ConsentGrant for the signed bytes). It is active once
/// the signatures the age rules need are present, and from then until it expires or is withdrawn.
/// </summary>
public sealed class Grant
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public Guid GranteeUserId { get; set; }
    public Guid? SubjectUserId { get; set; }
    public required string Scope { get; set; }
    public required string Permission { get; set; }
    public required string Purpose { get; set; }
    public required string LegalBasis { get; set; }
    public long ValidFromUnixMs { get; set; }

    /// <summary>0: until withdrawn.</summary>
    public long ValidUntilUnixMs { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ActivatedAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
    public Guid? WithdrawnBy { get; set; }
    public string? WithdrawalReason { get; set; }

    /// <summary>When the server marked the key ring stale after the grant ran out (see GrantLapseSweeper).</summary>
    public DateTimeOffset? LapseHandledAt { get; set; }
    public List<GrantSigning> Signatures { get; set; } = [];

    public bool IsInForce(long nowUnixMs) =>
        ActivatedAt is not null && WithdrawnAt is null && ValidFromUnixMs <= nowUnixMs
        && (ValidUntilUnixMs == 0 || ValidUntilUnixMs > nowUnixMs);
}

public sealed class GrantSigning
{
    public Guid GrantId { get; set; }
    public Guid SignerUserId { get; set; }
    public Guid SignerDeviceId { get; set; }
    public required byte[] Signature { get; set; }
    public DateTimeOffset SignedAt { get; set; }
}
