using System.Security.Cryptography;
using Vault.Contracts.Identity;
using Vault.Crypto;

namespace Vault.Client;

public sealed partial class VaultClient
{
    /// <summary>
    /// Whether <paramref name="candidate"/> is this account's passphrase, judged on this device: the candidate's
    /// key-encryption key either opens the account's key bundle or it does not. Nothing derived from the candidate is
    /// sent. Costs one Argon2id run; a client uses it to refuse publishing a passphrase by mistake (e.g. a script
    /// piping it in front of a message).
    /// </summary>
    public async Task<bool> IsPassphraseAsync(string candidate, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(candidate))
        {
            return false;
        }
        var bundle = await GetAsync<KeyBundleResponse>("/account/keys", await AccessTokenAsync(ct), ct);
        if (bundle.Algorithm != KdfParameters.Algorithm)
        {
            throw new NotSupportedException($"Unsupported KDF {bundle.Algorithm}.");
        }
        if (!KeyBundle.IsWellFormed(bundle.KeyBundle))
        {
            throw new CryptographicException("The key bundle is malformed.");
        }
        using var keys = PassphraseKeys.Derive(candidate, new KdfParameters(bundle.OpsLimit, bundle.MemLimitBytes, bundle.Salt));
        try
        {
            using var identity = KeyBundle.Open(bundle.KeyBundle, keys.KeyEncryptionKey, bundle.Salt);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
