using System.Security.Cryptography;

namespace Vault.Client;

/// <summary>
/// No key of this epoch opens on this device: none was shared with it (a grant opens only what is written after it,
/// unless the guardian shares the history too), or the one shared does not check out. Still a CryptographicException
/// (nothing can be read), but a caller can tell "ask for the key" apart from "what the server sent was tampered with".
/// </summary>
public sealed class EpochKeyUnavailableException(string scope, int epoch)
    : CryptographicException($"No key for epoch {epoch} of {scope} was shared with this device.")
{
    public string Scope { get; } = scope;
    public int Epoch { get; } = epoch;
}
