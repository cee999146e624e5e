using Vault.Contracts.KeyRings;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>History on a device set up from the passphrase.</summary>
public sealed partial class VaultClient
{
    /// <summary>Identity wraps of epochs this device holds no wrap of, in every scope the user may read now.</summary>
    public Task<List<IdentityWrapsResponse>> GetIdentityWrapsAsync(CancellationToken ct = default) =>
        ApiAsync<List<IdentityWrapsResponse>>(HttpMethod.Get, "/account/identity-wraps", null, ct);

    /// <summary>
    /// While the identity keys are in memory (right after recovery or a passphrase login): opens every epoch key
    /// wrapped for the identity key that this device has no wrap of, in every scope the user may read, and wraps it
    /// again for this device, signed by it. Later sessions then read all history with the device keys alone, so the
    /// identity secret never needs storing. Runs by itself at the end of <see cref="RecoverOnNewDeviceAsync"/> and
    /// <see cref="LoginAsync"/>; returns how many epoch keys it wrapped.
    /// </summary>
    public async Task<int> WrapHistoryForThisDeviceAsync(CancellationToken ct = default)
    {
        var session = RequireSession();
        if (session.Identity is null)
        {
            throw new InvalidOperationException("Sign in with the passphrase first: the identity keys open the history.");
        }
        var wrapped = 0;
        foreach (var scope in await GetIdentityWrapsAsync(ct))
        {
            foreach (var wrap in scope.Wraps)
            {
                if (await OpenWrapAsync(scope.FamilyId, scope.Scope, wrap, ct) is not { } key)
                {
                    continue; // not signed by a certified device: never trust it, never pass it on
                }
                epochKeys[(scope.FamilyId, scope.Scope, wrap.Epoch)] = key;
                var sealedKey = KeyWrap.Seal(key, session.Device.BoxPublicKey);
                var statement = KeyWrap.Statement(scope.FamilyId, scope.Scope, wrap.Epoch, session.UserId, session.DeviceId, sealedKey);
                try
                {
                    await ApiAsync(HttpMethod.Post,
                        $"/families/{scope.FamilyId}/keyrings/{Uri.EscapeDataString(scope.Scope)}/epochs/{wrap.Epoch}/wraps",
                        new AddWrapsRequest([new KeyWrapUpload(session.UserId, session.DeviceId, sealedKey, session.Device.Sign(statement))]), ct);
                    wrapped++;
                }
                catch (VaultApiException e) when (e.Status is 403 or 404 or 409)
                {
                    // Access ended a moment ago, or another session of this device wrapped it first.
                }
            }
        }
        return wrapped;
    }
}
