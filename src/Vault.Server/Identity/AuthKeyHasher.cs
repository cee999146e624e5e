using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Sodium;

namespace Vault.Server.Identity;

/// <summary>
/// Hashes the client's authentication key, not a passphrase. The key is 32 bytes from Argon2id + crypto_kdf,
/// so it needs no slow hash here (the client already paid for that); a domain-separated BLAKE2b-256 means the
/// database holds nothing that logs a user in. Stored as "v1:" + base64.
/// </summary>
public sealed class AuthKeyHasher : IPasswordHasher<VaultUser>
{
    public const int AuthKeyBytes = 32;
    private static readonly byte[] Domain = "vault.authkey.v1"u8.ToArray();

    public string HashPassword(VaultUser user, string password) =>
        TryDecode(password, out var key) ? Hash(key) : throw new ArgumentException("Not an authentication key.", nameof(password));

    public PasswordVerificationResult VerifyHashedPassword(VaultUser user, string hashedPassword, string providedPassword) =>
        Verify(hashedPassword, providedPassword) ? PasswordVerificationResult.Success : PasswordVerificationResult.Failed;

    public static string Hash(byte[] authKey) =>
        "v1:" + Convert.ToBase64String(GenericHash.Hash([.. Domain, .. authKey], null, 32));

    public static bool Verify(string? hashedPassword, string? providedPassword)
    {
        if (hashedPassword is null || !TryDecode(providedPassword, out var key))
        {
            return false;
        }
        var expected = System.Text.Encoding.ASCII.GetBytes(hashedPassword);
        var actual = System.Text.Encoding.ASCII.GetBytes(Hash(key));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public static bool TryDecode(string? base64, out byte[] key)
    {
        key = new byte[AuthKeyBytes];
        return base64 is not null && Convert.TryFromBase64String(base64, key, out var written) && written == AuthKeyBytes;
    }
}
