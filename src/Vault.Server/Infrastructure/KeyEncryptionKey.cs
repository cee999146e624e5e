using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace Vault.Server.Infrastructure;

/// <summary>
/// The key-encryption key, supplied from outside the data directory (a secret file as compose mounts it, or an
/// environment variable), that seals the server's private keys and its data-protection keys at rest:
/// XChaCha20-Poly1305 with the sealed thing's name as associated data, so one sealed file cannot stand in for another.
/// A copy of the data directory alone (a backup, a stolen disk) then holds no usable server key.
/// Format: "vault.sealed.v1\n" | nonce(24) | ciphertext+tag.
/// </summary>
public sealed class KeyEncryptionKey
{
    public const string GenerateHint = "create one with `openssl rand -base64 32 > /path/outside/the/data/directory` and set Vault:KeyEncryptionKeyFile to that path";
    private static readonly byte[] Magic = "vault.sealed.v1\n"u8.ToArray();
    private readonly byte[] key;

    private KeyEncryptionKey(byte[] key) => this.key = key;

    /// <summary>The configured key, or null when none is (the embedded default may run without).</summary>
    public static KeyEncryptionKey? Load(VaultOptions options)
    {
        var text = options.KeyEncryptionKey;
        if (!string.IsNullOrWhiteSpace(options.KeyEncryptionKeyFile))
        {
            var file = Path.GetFullPath(options.KeyEncryptionKeyFile);
            if (file.StartsWith(options.FullDataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("Vault:KeyEncryptionKeyFile must be outside the data directory: a key next to what it protects protects nothing.");
            }
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Vault:KeyEncryptionKeyFile {file} cannot be read by the server's user ({e.GetType().Name}): " +
                    $"it must exist and be readable by that user only (in the compose image: owner uid 1654, mode 0400); {GenerateHint}.", e);
            }
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var bytes = new byte[32];
        return Convert.TryFromBase64String(text.Trim(), bytes, out var written) && written == 32
            ? new KeyEncryptionKey(bytes)
            : throw new InvalidOperationException($"The key-encryption key must be 32 random bytes in base64: {GenerateHint}.");
    }

    public static bool IsSealed(ReadOnlySpan<byte> data) => data.StartsWith(Magic);

    public byte[] Seal(byte[] plaintext, string label)
    {
        var nonce = SecretAeadXChaCha20Poly1305.GenerateNonce();
        return [.. Magic, .. nonce, .. SecretAeadXChaCha20Poly1305.Encrypt(plaintext, nonce, key, Label(label))];
    }

    public byte[] Open(byte[] data, string label)
    {
        if (!IsSealed(data) || data.Length < Magic.Length + 24 + 16)
        {
            throw new InvalidOperationException($"{label} is not sealed.");
        }
        try
        {
            return SecretAeadXChaCha20Poly1305.Decrypt(data[(Magic.Length + 24)..], data[Magic.Length..(Magic.Length + 24)], key, Label(label));
        }
        catch (CryptographicException)
        {
            throw new InvalidOperationException($"The key-encryption key does not open {label}: is it the key this data directory was sealed with?");
        }
    }

    private static byte[] Label(string label) => Encoding.UTF8.GetBytes("vault.sealed.v1|" + label);
}
