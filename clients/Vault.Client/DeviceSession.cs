using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// What a signed-in device holds: its id and keys, the user's identity keys (recovered from the bundle), and
/// tokens. The identity secret keys never leave this process: a stored session (the CLI's profile) keeps the device
/// keys only, which is why a device set up from the passphrase gets its history wrapped for its device key at once.
/// </summary>
public sealed class DeviceSession(Guid userId, string username, Guid deviceId, DeviceKeys device, IdentityKeys? identity)
{
    public Guid UserId { get; } = userId;
    public string Username { get; } = username;
    public Guid DeviceId { get; } = deviceId;
    public DeviceKeys Device { get; } = device;

    /// <summary>The user's private identity keys; null when resumed from stored tokens without the passphrase.</summary>
    public IdentityKeys? Identity { get; } = identity;
    public byte[] IdentitySigningPublicKey { get; init; } = identity?.SigningPublicKey ?? [];
    public byte[] IdentityBoxPublicKey { get; init; } = identity?.BoxPublicKey ?? [];
    public string? AccessToken { get; set; }
    public string? RefreshToken { get; set; }

    /// <summary>When the access token runs out; the SDK refreshes a minute before. MinValue: unknown (refresh on 401).</summary>
    public DateTimeOffset AccessTokenExpiresAt { get; set; } = DateTimeOffset.MaxValue;

    /// <summary>The server's audit signing key, pinned on first use (trust on first use, like SSH host keys).</summary>
    public byte[]? AuditKey { get; set; }

    /// <summary>This user's 30-digit fingerprint, to compare in person or by phone.</summary>
    public string Fingerprint => SafetyNumber.Fingerprint(IdentitySigningPublicKey, IdentityBoxPublicKey);
}
