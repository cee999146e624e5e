using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// A user's long-term keys: an Ed25519 identity key that vouches for each of the user's devices, and an X25519
/// key that key rings can wrap for so that a recovered device can read history. Only their public halves leave
/// the device unencrypted; the private halves travel in the <see cref="KeyBundle"/>.
/// </summary>
public sealed class IdentityKeys : IDisposable
{
    public const int SeedBytes = 32;

    public byte[] SigningSeed { get; }
    public byte[] BoxSecret { get; }
    public byte[] SigningPublicKey { get; }
    public byte[] BoxPublicKey { get; }
    internal byte[] SigningSecretKey { get; }

    private IdentityKeys(byte[] signingSeed, byte[] boxSecret)
    {
        SigningSeed = signingSeed;
        BoxSecret = boxSecret;
        var signing = PublicKeyAuth.GenerateKeyPair(signingSeed);
        SigningPublicKey = signing.PublicKey;
        SigningSecretKey = signing.PrivateKey;
        BoxPublicKey = ScalarMult.Base(boxSecret);
    }

    public static IdentityKeys Generate() =>
        new(SodiumCore.GetRandomBytes(SeedBytes), SodiumCore.GetRandomBytes(SeedBytes));

    public static IdentityKeys FromSecrets(byte[] signingSeed, byte[] boxSecret)
    {
        if (signingSeed.Length != SeedBytes || boxSecret.Length != SeedBytes)
        {
            throw new CryptographicException("Identity secrets must be 32 bytes each.");
        }
        return new IdentityKeys((byte[])signingSeed.Clone(), (byte[])boxSecret.Clone());
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => PublicKeyAuth.SignDetached(message.ToArray(), SigningSecretKey);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SigningSeed);
        CryptographicOperations.ZeroMemory(BoxSecret);
        CryptographicOperations.ZeroMemory(SigningSecretKey);
    }
}
