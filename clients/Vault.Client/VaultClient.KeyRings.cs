using System.Collections.Concurrent;
using System.Security.Cryptography;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.KeyRings;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// Key rings on the device: unwrap this device's (or the identity key's) wraps after checking the wrapping device's
/// signature, rotate to a fresh epoch for everyone who may read, and share an epoch with a newly granted reader.
/// </summary>
public sealed partial class VaultClient
{
    private readonly ConcurrentDictionary<(Guid, string, int), byte[]> epochKeys = new();
    private readonly ConcurrentDictionary<(Guid, string), int> currentEpochs = new();
    private KeyDirectory? directory;

    public KeyDirectory Directory => directory ??= new KeyDirectory(this);

    public Task<KeyRingResponse> GetKeyRingAsync(Guid familyId, string scope, CancellationToken ct = default) =>
        ApiAsync<KeyRingResponse>(HttpMethod.Get, $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}", null, ct);

    public Task<List<RecipientInfo>> GetRecipientsAsync(Guid familyId, string scope, CancellationToken ct = default) =>
        ApiAsync<List<RecipientInfo>>(HttpMethod.Get, $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}/recipients", null, ct);

    /// <summary>The key of one epoch, from cache or the server (unwrapped and its wrap signature checked).</summary>
    public async Task<byte[]> EpochKeyAsync(Guid familyId, string scope, int epoch, CancellationToken ct = default)
    {
        if (epochKeys.TryGetValue((familyId, scope, epoch), out var key))
        {
            return key;
        }
        await LoadKeyRingAsync(familyId, scope, ct);
        return epochKeys.TryGetValue((familyId, scope, epoch), out key)
            ? key
            : throw new EpochKeyUnavailableException(scope, epoch);
    }

    /// <summary>The epoch to write under, rotating first when the server marked the ring stale.</summary>
    public async Task<int> WritableEpochAsync(Guid familyId, string scope, bool refresh, CancellationToken ct = default)
    {
        if (!refresh && currentEpochs.TryGetValue((familyId, scope), out var epoch))
        {
            return epoch;
        }
        var ring = await LoadKeyRingAsync(familyId, scope, ct);
        return ring.Stale || ring.CurrentEpoch == 0 ? await RotateAsync(familyId, scope, ct) : ring.CurrentEpoch;
    }

    /// <summary>A fresh epoch key wrapped for every device and identity key that may read the scope now.</summary>
    public async Task<int> RotateAsync(Guid familyId, string scope, CancellationToken ct = default)
    {
        var ring = await GetKeyRingAsync(familyId, scope, ct);
        var epoch = ring.CurrentEpoch + 1;
        var key = KeyWrap.NewEpochKey();
        var recipients = await GetRecipientsAsync(familyId, scope, ct);
        try
        {
            await ApiAsync(HttpMethod.Post, $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}/epochs",
                new NewEpochRequest(epoch, WrapFor(familyId, scope, epoch, key, recipients)), ct);
        }
        catch (VaultApiException e) when (e.ProblemType == ProblemTypes.Conflict || e.ProblemType == ProblemTypes.IncompleteWraps)
        {
            // Another device rotated first, or a device appeared meanwhile: read the ring again and go on from there.
            return await WritableEpochAsync(familyId, scope, refresh: true, ct);
        }
        epochKeys[(familyId, scope, epoch)] = key;
        currentEpochs[(familyId, scope)] = epoch;
        return epoch;
    }

    /// <summary>Wraps the current epoch (and, with <paramref name="history"/>, every earlier one this device holds) for one reader.</summary>
    public async Task ShareKeysAsync(Guid familyId, string scope, Guid userId, bool history = false, CancellationToken ct = default)
    {
        var ring = await LoadKeyRingAsync(familyId, scope, ct);
        var reader = (await GetRecipientsAsync(familyId, scope, ct)).Where(r => r.UserId == userId).ToList();
        if (reader.Count == 0)
        {
            throw new InvalidOperationException("That user may not read this scope (no active grant).");
        }
        var epochs = history ? Enumerable.Range(1, ring.CurrentEpoch) : [ring.CurrentEpoch];
        foreach (var epoch in epochs)
        {
            if (!epochKeys.TryGetValue((familyId, scope, epoch), out var key))
            {
                continue; // an epoch this device never held
            }
            try
            {
                await ApiAsync(HttpMethod.Post, $"/families/{familyId}/keyrings/{Uri.EscapeDataString(scope)}/epochs/{epoch}/wraps",
                    new AddWrapsRequest(WrapFor(familyId, scope, epoch, key, reader)), ct);
            }
            catch (VaultApiException e) when (e.ProblemType == ProblemTypes.Conflict)
            {
                // someone shared it already
            }
        }
    }

    internal List<KeyWrapUpload> WrapFor(Guid familyId, string scope, int epoch, byte[] key, IEnumerable<RecipientInfo> recipients)
    {
        var device = RequireSession().Device;
        var wraps = new List<KeyWrapUpload>();
        foreach (var r in recipients)
        {
            Directory.Verify(r.UserId, r.IdentitySigningKey, r.IdentityBoxKey, r.Devices);
            foreach (var (deviceId, boxKey) in r.Devices.Select(d => ((Guid?)d.Id, d.BoxKey)).Append((null, r.IdentityBoxKey)))
            {
                var wrapped = KeyWrap.Seal(key, boxKey);
                wraps.Add(new KeyWrapUpload(r.UserId, deviceId, wrapped,
                    device.Sign(KeyWrap.Statement(familyId, scope, epoch, r.UserId, deviceId, wrapped))));
            }
        }
        return wraps;
    }

    internal void RememberEpochKey(Guid familyId, string scope, int epoch, byte[] key)
    {
        epochKeys[(familyId, scope, epoch)] = key;
        currentEpochs[(familyId, scope)] = epoch;
    }

    internal void ForgetCurrentEpoch(Guid familyId, string scope) => currentEpochs.TryRemove((familyId, scope), out _);

    private async Task<KeyRingResponse> LoadKeyRingAsync(Guid familyId, string scope, CancellationToken ct)
    {
        var ring = await GetKeyRingAsync(familyId, scope, ct);
        foreach (var wrap in ring.Wraps)
        {
            if (!epochKeys.ContainsKey((familyId, scope, wrap.Epoch)) && await OpenWrapAsync(familyId, scope, wrap, ct) is { } key)
            {
                epochKeys[(familyId, scope, wrap.Epoch)] = key;
            }
        }
        if (!ring.Stale && ring.CurrentEpoch > 0)
        {
            currentEpochs[(familyId, scope)] = ring.CurrentEpoch;
        }
        return ring;
    }

    /// <summary>
    /// The epoch key in a wrap for this device (or, while the identity keys are in memory, for the identity key),
    /// once the wrapping device is certified and its signature checks out; null for anything else, never an error:
    /// one wrap that cannot be checked must not cost the whole ring.
    /// </summary>
    private async Task<byte[]?> OpenWrapAsync(Guid familyId, string scope, KeyWrapInfo wrap, CancellationToken ct)
    {
        var session = RequireSession();
        var (secret, publicKey) = wrap.RecipientDeviceId is null
            ? (session.Identity?.BoxSecret, session.IdentityBoxPublicKey)
            : (session.Device.BoxSecret, session.Device.BoxPublicKey);
        if (wrap.RecipientUserId != session.UserId || secret is null || (wrap.RecipientDeviceId is { } id && id != session.DeviceId))
        {
            return null; // not for us
        }
        try
        {
            var wrapper = await Directory.DeviceAsync(wrap.WrapperUserId, wrap.WrapperDeviceId, ct);
            var statement = KeyWrap.Statement(familyId, scope, wrap.Epoch, wrap.RecipientUserId, wrap.RecipientDeviceId, wrap.WrappedKey);
            return DeviceKeys.Verify(wrap.Signature, statement, wrapper.SigningKey) ? KeyWrap.Open(wrap.WrappedKey, secret, publicKey) : null;
        }
        catch (Exception e) when (e is VaultApiException or CryptographicException)
        {
            return null; // a wrapper we cannot check, or a wrap that does not open
        }
    }
}
