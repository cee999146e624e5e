namespace Vault.Contracts.Identity;

// Byte arrays travel as standard base64 strings (System.Text.Json's default).

public sealed record PreLoginRequest(string Username);

/// <summary>Argon2id parameters for one username. Unknown usernames get a stable fake salt, same shape.</summary>
public sealed record PreLoginResponse(string Algorithm, long OpsLimit, int MemLimitBytes, byte[] Salt);

public sealed record DeviceRegistration(
    string Name, byte[] SigningKey, byte[] BoxKey, byte[] BoxKeySignature, byte[] IdentitySignature);

/// <summary>
/// Accepting an invitation. The client sends the Argon2id salt it chose, the derived authentication key, its
/// encrypted key bundle and public keys: never the passphrase, the master key or the key-encryption key.
/// </summary>
public sealed record RegisterRequest(
    string InvitationCode,
    string Username,
    byte[] KdfSalt,
    byte[] AuthKey,
    byte[] KeyBundle,
    byte[] IdentitySigningKey,
    byte[] IdentityBoxKey,
    DeviceRegistration Device);

public sealed record RegisterResponse(Guid UserId, Guid DeviceId, string Role, TotpEnrollment? Totp);

/// <summary>A TOTP secret to load into an authenticator app; <c>Required</c> means login needs a code.</summary>
public sealed record TotpEnrollment(string Secret, string OtpAuthUri, bool Required);

public sealed record TotpConfirmRequest(string Code);

public sealed record AccountResponse(Guid UserId, string Username, string Role, bool TotpEnabled, Guid? DeviceId);

/// <summary>What a new device needs to recover the user's keys with the passphrase alone.</summary>
public sealed record KeyBundleResponse(
    string Algorithm, long OpsLimit, int MemLimitBytes, byte[] Salt,
    byte[] KeyBundle, byte[] IdentitySigningKey, byte[] IdentityBoxKey);

/// <summary>
/// A new passphrase: the client derived the new keys with exactly this Argon2id cost and salt, and the server stores
/// exactly these (cost at least the server's current policy, see <see cref="KdfPolicyResponse"/>; salt fresh).
/// </summary>
public sealed record ChangePassphraseRequest(byte[] CurrentAuthKey, byte[] NewKdfSalt, byte[] NewAuthKey, byte[] NewKeyBundle,
    long NewOpsLimit, int NewMemLimitBytes);

/// <summary>The Argon2id cost a new passphrase must use now (GET /account/kdf); the client picks the salt.</summary>
public sealed record KdfPolicyResponse(string Algorithm, long OpsLimit, int MemLimitBytes);

public sealed record DeviceInfo(
    Guid Id, string Name, byte[] SigningKey, byte[] BoxKey, byte[] BoxKeySignature, byte[] IdentitySignature,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A user's public key directory entry: identity keys and every device, revoked ones marked.</summary>
public sealed record UserKeysResponse(
    Guid UserId, string Username, byte[] IdentitySigningKey, byte[] IdentityBoxKey, IReadOnlyList<DeviceInfo> Devices);

public sealed record CreateInvitationRequest(string Role, int? ValidForHours);

public sealed record InvitationResponse(Guid Id, string Code, string Role, DateTimeOffset ExpiresAt);

/// <summary>OAuth/OIDC names the SDK and the server share.</summary>
public static class VaultOAuth
{
    public const string TokenPath = "/connect/token";
    /// <summary>RFC 7009 token revocation: signing out ends the session on the server, not only on the device.</summary>
    public const string RevocationPath = "/connect/revoke";
    public const string AuthorizePath = "/connect/authorize";
    public const string FirstPartyClientId = "vault-sdk";
    public const string ApiScope = "vault";
    public const string DeviceParameter = "device_id";
    public const string TotpParameter = "totp_code";
    public const string DeviceClaim = "vault_device";
    public const string RoleClaim = "role";
}
