namespace Vault.Server.Keys;

/// <summary>One client install with its own public keys, certified by the user's identity key. Revocation is final.</summary>
public sealed class Device
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string Name { get; set; }
    public required byte[] SigningKey { get; set; }
    public required byte[] BoxKey { get; set; }
    public required byte[] BoxKeySignature { get; set; }
    public required byte[] IdentitySignature { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
