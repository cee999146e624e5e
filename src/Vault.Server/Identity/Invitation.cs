namespace Vault.Server.Identity;

/// <summary>A one-time invitation. Only the SHA-256 of the code is stored, so a database leak yields no usable code.</summary>
public sealed class Invitation
{
    public Guid Id { get; set; }
    public required byte[] CodeHash { get; set; }
    public required string Role { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public Guid? UsedBy { get; set; }

    /// <summary>Set for an invitation into a family: accepting it makes the user a member with <see cref="Role"/>.</summary>
    public Guid? FamilyId { get; set; }
    public DateOnly? DateOfBirth { get; set; }
}
