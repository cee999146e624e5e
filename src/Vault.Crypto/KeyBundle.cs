using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// The user's private identity keys encrypted under the key-encryption key (XChaCha20-Poly1305), so that the
/// server can keep them for recovery without being able to read them.
/// Wire format v1: version(1) = 0x01 | nonce(24) | ciphertext(64 + 16).
/// Plaintext: Ed25519 seed(32) | X25519 secret(32). Associated data: "vault.keybundle.v1" | KDF salt(16),
/// so a bundle only opens under the passphrase parameters it was made for.
/// </summary>
public static class KeyBundle
{
    public const byte Version = 1;
    public const int NonceBytes = 24, TagBytes = 16;
    public const int Length = 1 + NonceBytes + 2 * IdentityKeys.SeedBytes + TagBytes;
    private static readonly byte[] Domain = "vault.keybundle.v1"u8.ToArray();

    public static byte[] Seal(IdentityKeys keys, byte[] keyEncryptionKey, byte[] kdfSalt) =>
        Seal(keys, keyEncryptionKey, kdfSalt, SecretAeadXChaCha20Poly1305.GenerateNonce());

    /// <summary>With a caller-chosen nonce: for test vectors only. A nonce must never repeat under one key.</summary>
    public static byte[] Seal(IdentityKeys keys, byte[] keyEncryptionKey, byte[] kdfSalt, byte[] nonce)
    {
        var plaintext = new byte[2 * IdentityKeys.SeedBytes];
        try
        {
            keys.SigningSeed.CopyTo(plaintext, 0);
            keys.BoxSecret.CopyTo(plaintext, IdentityKeys.SeedBytes);
            var ciphertext = SecretAeadXChaCha20Poly1305.Encrypt(plaintext, nonce, keyEncryptionKey, AssociatedData(kdfSalt));
            return [Version, .. nonce, .. ciphertext];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public static IdentityKeys Open(byte[] bundle, byte[] keyEncryptionKey, byte[] kdfSalt)
    {
        if (!IsWellFormed(bundle))
        {
            throw new CryptographicException("The key bundle is malformed.");
        }
        var nonce = bundle[1..(1 + NonceBytes)];
        var ciphertext = bundle[(1 + NonceBytes)..];
        byte[] plaintext;
        try
        {
            plaintext = SecretAeadXChaCha20Poly1305.Decrypt(ciphertext, nonce, keyEncryptionKey, AssociatedData(kdfSalt));
        }
        catch (CryptographicException)
        {
            throw new CryptographicException("The key bundle does not open with this passphrase.");
        }
        try
        {
            return IdentityKeys.FromSecrets(plaintext[..IdentityKeys.SeedBytes], plaintext[IdentityKeys.SeedBytes..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The server's check: shape only, since it cannot and must not open the bundle.</summary>
    public static bool IsWellFormed(byte[]? bundle) => bundle is { Length: Length } && bundle[0] == Version;

    private static byte[] AssociatedData(byte[] kdfSalt) => [.. Domain, .. kdfSalt];
}
