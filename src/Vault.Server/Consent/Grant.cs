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

    /// <summary>Ends the grant: by the family, the grantee, or with the grantee's removal from the family.</summary>
    public void Withdraw(DateTimeOffset at, Guid by, string? reason)
    {
        WithdrawnAt = at;
        WithdrawnBy = by;
        WithdrawalReason = reason;
    }

    public bool IsInForce(long nowUnixMs) =>
        ActivatedAt is not null && WithdrawnAt is null && GrantWindow.Contains(ValidFromUnixMs, ValidUntilUnixMs, nowUnixMs);
}

/// <summary>
/// A grant's window, decided here only: valid from ValidFrom (inclusive) until ValidUntil (exclusive; 0 is open-ended).
/// GrantLapseSweeper's query spells <see cref="HasEnded"/> out for the database.
/// </summary>
public static class GrantWindow
{
    public static bool HasStarted(long validFromUnixMs, long nowUnixMs) => validFromUnixMs <= nowUnixMs;

    public static bool HasEnded(long validUntilUnixMs, long nowUnixMs) => validUntilUnixMs != 0 && validUntilUnixMs <= nowUnixMs;

    public static bool Contains(long validFromUnixMs, long validUntilUnixMs, long nowUnixMs) =>
        HasStarted(validFromUnixMs, nowUnixMs) && !HasEnded(validUntilUnixMs, nowUnixMs);
}

public sealed class GrantSigning
{
    public Guid GrantId { get; set; }
    public Guid SignerUserId { get; set; }
    public Guid SignerDeviceId { get; set; }
    public required byte[] Signature { get; set; }
    public DateTimeOffset SignedAt { get; set; }
}
