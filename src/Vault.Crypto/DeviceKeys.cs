using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// One device's own key pairs: Ed25519 for signing what the device writes, X25519 for receiving wrapped keys.
/// The device signs its X25519 key with its Ed25519 key, and the user's identity key signs both, so anyone who
/// trusts the user's identity key (compare safety numbers) can trust the device.
/// </summary>
public sealed class DeviceKeys : IDisposable
{
    public const int PublicKeyBytes = 32, SignatureBytes = 64;
    private static readonly byte[] BoxKeyDomain = "vault.device.boxkey.v1"u8.ToArray();
    private static readonly byte[] DeviceDomain = "vault.device.v1"u8.ToArray();

    public byte[] SigningSeed { get; }
    public byte[] BoxSecret { get; }
    public byte[] SigningPublicKey { get; }
    public byte[] BoxPublicKey { get; }
    private readonly byte[] signingSecretKey;

    private DeviceKeys(byte[] signingSeed, byte[] boxSecret)
    {
        SigningSeed = signingSeed;
        BoxSecret = boxSecret;
        var signing = PublicKeyAuth.GenerateKeyPair(signingSeed);
        SigningPublicKey = signing.PublicKey;
        signingSecretKey = signing.PrivateKey;
        BoxPublicKey = ScalarMult.Base(boxSecret);
    }

    public static DeviceKeys Generate() => new(SodiumCore.GetRandomBytes(32), SodiumCore.GetRandomBytes(32));

    public static DeviceKeys FromSecrets(byte[] signingSeed, byte[] boxSecret)
    {
        if (signingSeed.Length != 32 || boxSecret.Length != 32)
        {
            throw new CryptographicException("Device secrets must be 32 bytes each.");
        }
        return new DeviceKeys((byte[])signingSeed.Clone(), (byte[])boxSecret.Clone());
    }

    public byte[] Sign(byte[] message) => PublicKeyAuth.SignDetached(message, signingSecretKey);

    /// <summary>The device's signature over its own X25519 key.</summary>
    public byte[] SignBoxKey() => Sign(BoxKeyStatement(BoxPublicKey));

    /// <summary>The user's identity signature that vouches for this device.</summary>
    public byte[] CertifyWith(IdentityKeys identity) => identity.Sign(DeviceStatement(SigningPublicKey, BoxPublicKey));

    public static byte[] BoxKeyStatement(byte[] boxPublicKey) => [.. BoxKeyDomain, .. boxPublicKey];

    public static byte[] DeviceStatement(byte[] signingPublicKey, byte[] boxPublicKey) =>
        [.. DeviceDomain, .. signingPublicKey, .. boxPublicKey];

    /// <summary>
    /// Checks a registered device end to end: key sizes, the device's self-signature over its X25519 key, and the
    /// identity key's signature over both device keys. The server runs this before storing a device.
    /// </summary>
    public static bool VerifyRegistration(byte[]? identitySigningKey, byte[]? signingKey, byte[]? boxKey,
        byte[]? boxKeySignature, byte[]? identitySignature)
    {
        if (identitySigningKey is not { Length: PublicKeyBytes } || signingKey is not { Length: PublicKeyBytes } ||
            boxKey is not { Length: PublicKeyBytes } || boxKeySignature is not { Length: SignatureBytes } ||
            identitySignature is not { Length: SignatureBytes })
        {
            return false;
        }
        return Verify(boxKeySignature, BoxKeyStatement(boxKey), signingKey) &&
               Verify(identitySignature, DeviceStatement(signingKey, boxKey), identitySigningKey);
    }

    public static bool Verify(byte[] signature, byte[] message, byte[] publicKey)
    {
        try
        {
            return PublicKeyAuth.VerifyDetached(signature, message, publicKey);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false; // malformed keys (e.g. not on the curve) are simply not valid signatures
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SigningSeed);
        CryptographicOperations.ZeroMemory(BoxSecret);
        CryptographicOperations.ZeroMemory(signingSecretKey);
    }
}
