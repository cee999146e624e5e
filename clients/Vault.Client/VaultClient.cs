using System.Text.Json;
using Vault.Contracts.Identity;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// The Vault SDK. It does all the cryptography on the device: the passphrase, master key and key-encryption key
/// never leave it; the server gets the derived authentication key, ciphertext and public keys only.
/// </summary>
public sealed partial class VaultClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public DeviceSession? Session { get; private set; }

    /// <summary>Continues a stored session (tokens and device keys) without the passphrase.</summary>
    public void Resume(DeviceSession session) => Session = session;

    public async Task<KdfParameters> PreLoginAsync(string username, CancellationToken ct = default)
    {
        var response = await PostAsync<PreLoginResponse>("/auth/prelogin", new PreLoginRequest(username), ct);
        if (response.Algorithm != KdfParameters.Algorithm)
        {
            throw new NotSupportedException($"Unsupported KDF {response.Algorithm}.");
        }
        var parameters = new KdfParameters(response.OpsLimit, response.MemLimitBytes, response.Salt);
        parameters.Validate(); // refuse a server asking for absurd cost
        return parameters;
    }

    /// <summary>Accepts an invitation: makes identity and device keys, registers, and signs in (TOTP roles: see result).</summary>
    public async Task<RegisterResponse> AcceptInvitationAsync(string code, string username, string passphrase,
        string deviceName, CancellationToken ct = default)
    {
        // The client picks the salt; the server's policy decides the cost (pre-login tells it).
        var policy = await PreLoginAsync(username, ct);
        var kdf = policy with { Salt = Sodium.SodiumCore.GetRandomBytes(KdfParameters.SaltBytes) };
        using var keys = PassphraseKeys.Derive(passphrase, kdf);
        var identity = IdentityKeys.Generate();
        var device = DeviceKeys.Generate();
        var response = await PostAsync<RegisterResponse>("/auth/register", new RegisterRequest(code, username, kdf.Salt,
            keys.AuthKey, KeyBundle.Seal(identity, keys.KeyEncryptionKey, kdf.Salt), identity.SigningPublicKey,
            identity.BoxPublicKey, Registration(device, identity, deviceName)), ct);
        Session = new DeviceSession(response.UserId, username, response.DeviceId, device, identity);
        return response;
    }

    /// <summary>Signs in on a device that is already registered (its keys held by the caller).</summary>
    public async Task LoginAsync(string username, string passphrase, Guid deviceId, DeviceKeys device,
        string? totpCode = null, CancellationToken ct = default)
    {
        var kdf = await PreLoginAsync(username, ct);
        using var keys = PassphraseKeys.Derive(passphrase, kdf);
        var tokens = await PasswordGrantAsync(username, keys.AuthKey, totpCode, deviceId, ct);
        var bundle = await GetAsync<KeyBundleResponse>("/account/keys", tokens.AccessToken, ct);
        var identity = KeyBundle.Open(bundle.KeyBundle, keys.KeyEncryptionKey, bundle.Salt);
        var account = await GetAsync<AccountResponse>("/account", tokens.AccessToken, ct);
        Session = new DeviceSession(account.UserId, username, deviceId, device, identity)
        {
            AccessToken = tokens.AccessToken, RefreshToken = tokens.RefreshToken, AccessTokenExpiresAt = ExpiryOf(tokens),
        };
        await WrapHistoryForThisDeviceAsync(ct); // catches up what an interrupted recovery left unwrapped
    }

    /// <summary>
    /// A new device (or a lost phone's replacement): passphrase (+ TOTP) → key bundle → identity keys → new
    /// device keys certified by the identity key → registered → token bound to the new device → every earlier epoch
    /// key the user may read wrapped again for the new device.
    /// </summary>
    public async Task<DeviceSession> RecoverOnNewDeviceAsync(string username, string passphrase, string deviceName,
        string? totpCode = null, CancellationToken ct = default)
    {
        var kdf = await PreLoginAsync(username, ct);
        using var keys = PassphraseKeys.Derive(passphrase, kdf);
        var tokens = await PasswordGrantAsync(username, keys.AuthKey, totpCode, deviceId: null, ct);
        var bundle = await GetAsync<KeyBundleResponse>("/account/keys", tokens.AccessToken, ct);
        var identity = KeyBundle.Open(bundle.KeyBundle, keys.KeyEncryptionKey, bundle.Salt);
        var device = DeviceKeys.Generate();
        var registered = await PostAsync<DeviceInfo>("/account/devices", Registration(device, identity, deviceName), ct,
            tokens.AccessToken);
        var bound = await RefreshGrantAsync(tokens.RefreshToken!, registered.Id, ct);
        var account = await GetAsync<AccountResponse>("/account", bound.AccessToken, ct);
        Session = new DeviceSession(account.UserId, username, registered.Id, device, identity)
        {
            AccessToken = bound.AccessToken, RefreshToken = bound.RefreshToken, AccessTokenExpiresAt = ExpiryOf(bound),
        };
        // The history was wrapped for the identity key, not for this new device: wrap it for the device now, while the
        // identity keys are in memory, so later sessions (which keep only device keys) read it too.
        await WrapHistoryForThisDeviceAsync(ct);
        return Session;
    }

    public async Task RefreshAsync(CancellationToken ct = default)
    {
        var session = RequireSession();
        var tokens = await RefreshGrantAsync(session.RefreshToken ?? throw new InvalidOperationException("No refresh token."),
            null, ct);
        session.AccessToken = tokens.AccessToken;
        session.RefreshToken = tokens.RefreshToken ?? session.RefreshToken;
        session.AccessTokenExpiresAt = ExpiryOf(tokens);
    }

    /// <summary>
    /// Signs this device out on the server (RFC 7009): the refresh token and the access token are revoked, so a copy of
    /// either stops working at once; the session's tokens are dropped. The device keys stay: a login signs in again.
    /// </summary>
    public async Task LogoutAsync(CancellationToken ct = default)
    {
        var session = RequireSession();
        foreach (var (token, hint) in new[] { (session.RefreshToken, "refresh_token"), (session.AccessToken, "access_token") })
        {
            if (token is null)
            {
                continue;
            }
            using var response = await http.PostAsync(VaultOAuth.RevocationPath, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = token, ["token_type_hint"] = hint, ["client_id"] = VaultOAuth.FirstPartyClientId,
            }), ct);
            await EnsureSuccessAsync(response, ct);
        }
        session.AccessToken = null;
        session.RefreshToken = null;
    }

    /// <summary>
    /// Re-derives both keys from a new passphrase and re-wraps the same identity keys: nothing is lost. The new keys
    /// use the server's current Argon2id cost (which may differ from the one the account was made with) and a fresh
    /// salt; the request names both so the server stores exactly what was used. Every other session of the account
    /// ends; this one continues with fresh tokens.
    /// </summary>
    public async Task ChangePassphraseAsync(string currentPassphrase, string newPassphrase, CancellationToken ct = default)
    {
        var session = RequireSession();
        var identity = session.Identity ?? throw new InvalidOperationException("Sign in with the passphrase first.");
        var current = await PreLoginAsync(session.Username, ct);
        using var currentKeys = PassphraseKeys.Derive(currentPassphrase, current);
        var policy = await GetAsync<KdfPolicyResponse>("/account/kdf", await AccessTokenAsync(ct), ct);
        if (policy.Algorithm != KdfParameters.Algorithm)
        {
            throw new NotSupportedException($"Unsupported KDF {policy.Algorithm}.");
        }
        var next = new KdfParameters(policy.OpsLimit, policy.MemLimitBytes, Sodium.SodiumCore.GetRandomBytes(KdfParameters.SaltBytes));
        next.Validate(); // refuse a server asking for absurd cost
        using var nextKeys = PassphraseKeys.Derive(newPassphrase, next);
        await SendAsync(HttpMethod.Post, "/account/passphrase", new ChangePassphraseRequest(currentKeys.AuthKey, next.Salt,
            nextKeys.AuthKey, KeyBundle.Seal(identity, nextKeys.KeyEncryptionKey, next.Salt), next.OpsLimit, next.MemLimitBytes), ct);
        if (session.RefreshToken is not null)
        {
            await RefreshAsync(ct);
        }
    }

    public Task<AccountResponse> GetAccountAsync(CancellationToken ct = default) =>
        GetAsync<AccountResponse>("/account", RequireSession().AccessToken, ct);

    public Task<List<DeviceInfo>> ListDevicesAsync(CancellationToken ct = default) =>
        GetAsync<List<DeviceInfo>>("/account/devices", RequireSession().AccessToken, ct);

    public Task RevokeDeviceAsync(Guid deviceId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"/account/devices/{deviceId}", null, ct);

    public Task<InvitationResponse> CreateInvitationAsync(string role, int? validForHours = null, CancellationToken ct = default) =>
        PostAsync<InvitationResponse>("/invitations", new CreateInvitationRequest(role, validForHours), ct, RequireSession().AccessToken);

    /// <summary>Fetches a user's keys and checks every device is certified by the identity key before trusting it.</summary>
    public async Task<UserKeysResponse> GetUserKeysAsync(Guid userId, CancellationToken ct = default)
    {
        var keys = await GetAsync<UserKeysResponse>($"/users/{userId}/keys", RequireSession().AccessToken, ct);
        if (keys.Devices.Any(d => !DeviceKeys.VerifyRegistration(keys.IdentitySigningKey, d.SigningKey, d.BoxKey,
                d.BoxKeySignature, d.IdentitySignature)))
        {
            throw new System.Security.Cryptography.CryptographicException("A device in the directory is not certified by the user's identity key.");
        }
        return keys;
    }

    public static string FingerprintOf(UserKeysResponse keys) =>
        SafetyNumber.Fingerprint(keys.IdentitySigningKey, keys.IdentityBoxKey);

    public Task<TotpEnrollment> EnrollTotpAsync(CancellationToken ct = default) =>
        PostAsync<TotpEnrollment>("/account/totp", new { }, ct, RequireSession().AccessToken);

    public Task ConfirmTotpAsync(string code, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/account/totp/confirm", new TotpConfirmRequest(code), ct);

    private DeviceSession RequireSession() => Session ?? throw new InvalidOperationException("Sign in first.");

    private static DeviceRegistration Registration(DeviceKeys device, IdentityKeys identity, string name) =>
        new(name, device.SigningPublicKey, device.BoxPublicKey, device.SignBoxKey(), device.CertifyWith(identity));
}
