namespace Vault.Server.Keys;

/// <summary>
/// One scope's key ring. The server never sees a key: it keeps the current epoch number, whether it must rotate
/// before the next write (Stale), and the wraps.
/// </summary>
public sealed class KeyRing
{
    public Guid FamilyId { get; set; }
    public required string Scope { get; set; }
    public int CurrentEpoch { get; set; }
    public bool Stale { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An epoch key sealed to one device (or, with <see cref="Guid.Empty"/> as device, to the user's identity key).</summary>
public sealed class KeyWrapRecord
{
    public Guid FamilyId { get; set; }
    public required string Scope { get; set; }
    public int Epoch { get; set; }
    public Guid RecipientUserId { get; set; }
    public Guid RecipientDeviceId { get; set; }
    public required byte[] WrappedKey { get; set; }
    public Guid WrapperUserId { get; set; }
    public Guid WrapperDeviceId { get; set; }
    public required byte[] Signature { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
