namespace Vault.Contracts.KeyRings;

/// <summary>
/// One epoch key wrapped (crypto_box_seal) for one recipient: a device's X25519 key, or, with no device, the
/// user's identity X25519 key (so a recovered device can read history). Signed by the wrapping device.
/// </summary>
public sealed record KeyWrapUpload(Guid RecipientUserId, Guid? RecipientDeviceId, byte[] WrappedKey, byte[] Signature);

public sealed record KeyWrapInfo(int Epoch, Guid RecipientUserId, Guid? RecipientDeviceId, byte[] WrappedKey,
    Guid WrapperUserId, Guid WrapperDeviceId, byte[] Signature);

/// <summary>A scope's key ring as one device sees it: the current epoch and only its own wraps.</summary>
public sealed record KeyRingResponse(string Scope, int CurrentEpoch, bool Stale, IReadOnlyList<KeyWrapInfo> Wraps);

/// <summary>A new epoch: a fresh key wrapped for every device and identity key that may read the scope now.</summary>
public sealed record NewEpochRequest(int Epoch, IReadOnlyList<KeyWrapUpload> Wraps);

/// <summary>More wraps for an existing epoch (a newly granted reader).</summary>
public sealed record AddWrapsRequest(IReadOnlyList<KeyWrapUpload> Wraps);

/// <summary>
/// Epoch keys of one scope wrapped for the caller's identity key that its current device holds no wrap of
/// (GET /account/identity-wraps): a device set up from the passphrase wraps them again for itself.
/// </summary>
public sealed record IdentityWrapsResponse(Guid FamilyId, string Scope, IReadOnlyList<KeyWrapInfo> Wraps);
