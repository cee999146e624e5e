using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// A key-ring epoch key (32 random bytes) sealed (crypto_box_seal) to one recipient's X25519 key, and the wrapping
/// device's Ed25519 signature that binds it to family, scope, epoch and recipient, so a server cannot move a wrap
/// to another scope, epoch or person.
/// </summary>
public static class KeyWrap
{
    public const int EpochKeyBytes = 32, WrappedBytes = EpochKeyBytes + 48;

    public static byte[] NewEpochKey() => SodiumCore.GetRandomBytes(EpochKeyBytes);

    public static byte[] Seal(byte[] epochKey, byte[] recipientBoxPublicKey)
    {
        if (epochKey.Length != EpochKeyBytes)
        {
            throw new CryptographicException("An epoch key is 32 bytes.");
        }
        return SealedPublicKeyBox.Create(epochKey, recipientBoxPublicKey);
    }

    public static byte[] Open(byte[] wrapped, byte[] boxSecret, byte[] boxPublic)
    {
        if (wrapped.Length != WrappedBytes)
        {
            throw new CryptographicException("A wrapped key is 80 bytes.");
        }
        return SealedPublicKeyBox.Open(wrapped, boxSecret, boxPublic);
    }

    public static byte[] Statement(Guid familyId, string scope, int epoch, Guid recipientUserId, Guid? recipientDeviceId,
        byte[] wrapped) =>
        new Canonical("vault.keywrap.v1").Id(familyId).Text(scope).U32(checked((uint)epoch))
            .Id(recipientUserId).Id(recipientDeviceId).Raw(wrapped).ToArray();
}
