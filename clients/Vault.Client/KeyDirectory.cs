using System.Collections.Concurrent;
using System.Security.Cryptography;
using Vault.Contracts.Identity;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// Other users' public keys as this device trusts them: every device must be certified by the user's identity key,
/// and a user's identity key, once seen, is pinned (a change is refused, as a safety-number change would be).
/// </summary>
public sealed class KeyDirectory(VaultClient client)
{
    private readonly ConcurrentDictionary<Guid, UserKeysResponse> users = new();

    public async Task<UserKeysResponse> UserAsync(Guid userId, bool refresh, CancellationToken ct)
    {
        if (!refresh && users.TryGetValue(userId, out var cached))
        {
            return cached;
        }
        var keys = await client.GetUserKeysAsync(userId, ct); // verifies every device's certification
        Pin(keys.UserId, keys.IdentitySigningKey, keys.IdentityBoxKey);
        users[userId] = keys;
        return keys;
    }

    /// <summary>A device's signing key, if the device belongs to the user and is certified (revoked devices included: old messages stay valid).</summary>
    public async Task<DeviceInfo> DeviceAsync(Guid userId, Guid deviceId, CancellationToken ct)
    {
        var keys = await UserAsync(userId, refresh: false, ct);
        var device = keys.Devices.FirstOrDefault(d => d.Id == deviceId);
        if (device is null)
        {
            keys = await UserAsync(userId, refresh: true, ct); // a device registered since we last looked
            device = keys.Devices.FirstOrDefault(d => d.Id == deviceId);
        }
        return device ?? throw new CryptographicException("The device is not one of the user's certified devices.");
    }

    /// <summary>Checks recipients the server lists before wrapping keys for them.</summary>
    public void Verify(Guid userId, byte[] identitySigningKey, byte[] identityBoxKey, IEnumerable<DeviceInfo> devices)
    {
        Pin(userId, identitySigningKey, identityBoxKey);
        if (devices.Any(d => !DeviceKeys.VerifyRegistration(identitySigningKey, d.SigningKey, d.BoxKey, d.BoxKeySignature, d.IdentitySignature)))
        {
            throw new CryptographicException("A recipient device is not certified by its user's identity key.");
        }
    }

    private readonly ConcurrentDictionary<Guid, (byte[] Signing, byte[] Box)> pinned = new();

    private void Pin(Guid userId, byte[] signing, byte[] box)
    {
        var first = pinned.GetOrAdd(userId, (signing, box));
        if (!first.Signing.AsSpan().SequenceEqual(signing) || !first.Box.AsSpan().SequenceEqual(box))
        {
            throw new CryptographicException($"The identity key of user {userId} changed: compare safety numbers before trusting it.");
        }
    }
}
