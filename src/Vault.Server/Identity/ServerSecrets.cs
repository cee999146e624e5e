using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// The server's own keys, created on first start and kept in the data directory (mode 0600): the OpenIddict
/// signing and encryption keys, the secret that makes fake pre-login salts stable per username, and the audit log's
/// signing key. With a key-encryption key each file is sealed under it (and a plain file from before is sealed at
/// the next start); without one (the embedded default) they are plain, and the server says so at start.
/// </summary>
public sealed class ServerSecrets
{
    public RsaSecurityKey SigningKey { get; }
    public RsaSecurityKey EncryptionKey { get; }
    public byte[] PreLoginSecret { get; }

    /// <summary>Ed25519 key that signs audit tree heads and receipts; its public half is published at /audit/key.</summary>
    public Sodium.KeyPair AuditSigningKey { get; }
    public string KeysDirectory { get; }

    private readonly KeyEncryptionKey? kek;

    public ServerSecrets(string dataDirectory, KeyEncryptionKey? kek)
    {
        this.kek = kek;
        KeysDirectory = Path.Combine(dataDirectory, "keys");
        Directory.CreateDirectory(KeysDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeysDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        SigningKey = LoadOrCreateRsa("token-signing.pem", "vault-signing");
        EncryptionKey = LoadOrCreateRsa("token-encryption.pem", "vault-encryption");
        PreLoginSecret = LoadOrCreate("prelogin.key", () => RandomNumberGenerator.GetBytes(32));
        AuditSigningKey = Sodium.PublicKeyAuth.GenerateKeyPair(LoadOrCreate("audit-signing.key", () => RandomNumberGenerator.GetBytes(32)));
    }

    private RsaSecurityKey LoadOrCreateRsa(string file, string keyIdPrefix)
    {
        var pem = LoadOrCreate(file, () =>
        {
            using var fresh = RSA.Create(3072);
            return System.Text.Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem());
        });
        var rsa = RSA.Create();
        rsa.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem));
        // A key id derived from the public key: stable across restarts, different after a rotation.
        var thumbprint = SHA256.HashData(rsa.ExportSubjectPublicKeyInfo());
        return new RsaSecurityKey(rsa) { KeyId = $"{keyIdPrefix}-{Convert.ToHexStringLower(thumbprint)[..16]}" };
    }

    private byte[] LoadOrCreate(string file, Func<byte[]> create)
    {
        var path = Path.Combine(KeysDirectory, file);
        if (File.Exists(path))
        {
            var stored = File.ReadAllBytes(path);
            if (KeyEncryptionKey.IsSealed(stored))
            {
                return kek?.Open(stored, file) ?? throw new InvalidOperationException(
                    $"{path} is sealed under a key-encryption key, and none is configured: set Vault:KeyEncryptionKeyFile.");
            }
            if (kek is not null)
            {
                Write(path, kek.Seal(stored, file), overwrite: true); // sealed from now on
            }
            return stored;
        }
        var bytes = create();
        Write(path, kek?.Seal(bytes, file) ?? bytes, overwrite: false);
        return bytes;
    }

    private static void Write(string path, byte[] bytes, bool overwrite)
    {
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // secrets: owner only
        }
        using (var stream = new FileStream(temp, fileOptions))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite);
    }
}
