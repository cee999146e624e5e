using Microsoft.AspNetCore.Identity;

namespace Vault.Server.Identity;

/// <summary>
/// An account. The password hash is a hash of the client-derived authentication key (see AuthKeyHasher): the
/// server never holds the passphrase. The key bundle is ciphertext only the user's passphrase opens.
/// </summary>
public sealed class VaultUser : IdentityUser<Guid>
{
    public required string Role { get; set; }
    public required byte[] KdfSalt { get; set; }
    public long KdfOpsLimit { get; set; }
    public int KdfMemLimitBytes { get; set; }
    public required byte[] KeyBundle { get; set; }
    public required byte[] IdentitySigningKey { get; set; }
    public required byte[] IdentityBoxKey { get; set; }

    /// <summary>TOTP shared secret, protected with ASP.NET Core Data Protection at rest; null until enrolled.</summary>
    public string? TotpSecretProtected { get; set; }
    public bool TotpEnabled { get; set; }

    /// <summary>The last accepted TOTP time step: a code for it or any earlier step is a replay.</summary>
    public long TotpLastStep { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
