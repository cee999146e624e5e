using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace Vault.Crypto;

/// <summary>Argon2id cost and salt for one account, as the server hands them out at pre-login.</summary>
public sealed record KdfParameters(long OpsLimit, int MemLimitBytes, byte[] Salt)
{
    public const string Algorithm = "argon2id13";
    public const int SaltBytes = 16;

    // Bounds keep a malicious server from making a phone hash for an hour, and keep the hash meaningful.
    public const long MinOpsLimit = 3, MaxOpsLimit = 10; // Sodium.Core refuses fewer than 3 passes
    public const int MinMemLimitBytes = 8 * 1024 * 1024, MaxMemLimitBytes = 1024 * 1024 * 1024;

    public void Validate()
    {
        if (Salt is not { Length: SaltBytes })
        {
            throw new CryptographicException($"The KDF salt must be {SaltBytes} bytes.");
        }
        if (OpsLimit is < MinOpsLimit or > MaxOpsLimit || MemLimitBytes is < MinMemLimitBytes or > MaxMemLimitBytes)
        {
            throw new CryptographicException("The KDF cost is outside the accepted bounds.");
        }
    }
}

/// <summary>
/// One passphrase, two keys: Argon2id gives a master key; crypto_kdf derives from it the authentication key
/// (the only thing the server sees, as the login password) and the key-encryption key (never leaves the device).
/// </summary>
public sealed class PassphraseKeys : IDisposable
{
    public const int KeyBytes = 32;
    public const ulong AuthKeyId = 1, KeyEncryptionKeyId = 2;
    public static readonly byte[] Context = "vault-pw"u8.ToArray(); // crypto_kdf context: exactly 8 bytes

    public byte[] AuthKey { get; }
    public byte[] KeyEncryptionKey { get; }

    private PassphraseKeys(byte[] authKey, byte[] kek)
    {
        AuthKey = authKey;
        KeyEncryptionKey = kek;
    }

    public static PassphraseKeys Derive(string passphrase, KdfParameters parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        var master = DeriveMasterKey(passphrase, parameters);
        try
        {
            return FromMasterKey(master);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
        }
    }

    /// <summary>The Argon2id step alone; exposed for test vectors and for tests that prove it never leaves the device.</summary>
    public static byte[] DeriveMasterKey(string passphrase, KdfParameters parameters)
    {
        parameters.Validate();
        var passphraseBytes = Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormKC));
        try
        {
            return PasswordHash.ArgonHashBinary(passphraseBytes, parameters.Salt, parameters.OpsLimit,
                parameters.MemLimitBytes, KeyBytes, PasswordHash.ArgonAlgorithm.Argon_2ID13);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphraseBytes);
        }
    }

    public static PassphraseKeys FromMasterKey(byte[] masterKey) =>
        new(SubKey(masterKey, AuthKeyId, Context), SubKey(masterKey, KeyEncryptionKeyId, Context));

    public static unsafe byte[] SubKey(byte[] key, ulong id, byte[] context)
    {
        if (key.Length != KeyBytes || context.Length != 8)
        {
            throw new CryptographicException("crypto_kdf needs a 32-byte key and an 8-byte context.");
        }
        Native.EnsureInitialised();
        var subkey = new byte[KeyBytes];
        fixed (byte* s = subkey, c = context, k = key)
        {
            if (Native.crypto_kdf_derive_from_key(s, KeyBytes, id, c, k) != 0)
            {
                throw new CryptographicException("crypto_kdf_derive_from_key failed.");
            }
        }
        return subkey;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(AuthKey);
        CryptographicOperations.ZeroMemory(KeyEncryptionKey);
    }
}
