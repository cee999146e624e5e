using System.Security.Cryptography;
using Vault.Crypto;

namespace Vault.Crypto.Tests;

public sealed class EnvelopeTests
{
    private static readonly KdfParameters Kdf = new(3, 8 * 1024 * 1024, Sodium.SodiumCore.GetRandomBytes(16));

    [Fact]
    public void Derive_SamePassphrase_SameKeysAndAuthDiffersFromKek()
    {
        using var a = PassphraseKeys.Derive("geheim wachtwoord", Kdf);
        using var b = PassphraseKeys.Derive("geheim wachtwoord", Kdf);
        Assert.Equal(a.AuthKey, b.AuthKey);
        Assert.NotEqual(a.AuthKey, a.KeyEncryptionKey);
        using var c = PassphraseKeys.Derive("geheim wachtwoorD", Kdf);
        Assert.NotEqual(a.AuthKey, c.AuthKey);
    }

    [Fact]
    public void Derive_AbsurdCostFromServer_Refused()
    {
        Assert.Throws<CryptographicException>(() => PassphraseKeys.Derive("x", Kdf with { MemLimitBytes = int.MaxValue }));
        Assert.Throws<CryptographicException>(() => PassphraseKeys.Derive("x", Kdf with { Salt = new byte[3] }));
    }

    [Fact]
    public void KeyBundle_WrongPassphraseOrTampered_DoesNotOpen()
    {
        using var keys = PassphraseKeys.Derive("juist", Kdf);
        using var wrong = PassphraseKeys.Derive("onjuist", Kdf);
        using var identity = IdentityKeys.Generate();
        var bundle = KeyBundle.Seal(identity, keys.KeyEncryptionKey, Kdf.Salt);

        using var opened = KeyBundle.Open(bundle, keys.KeyEncryptionKey, Kdf.Salt);
        Assert.Equal(identity.SigningPublicKey, opened.SigningPublicKey);
        Assert.Throws<CryptographicException>(() => KeyBundle.Open(bundle, wrong.KeyEncryptionKey, Kdf.Salt));
        Assert.Throws<CryptographicException>(() => KeyBundle.Open(bundle, keys.KeyEncryptionKey, new byte[16]));
        for (var i = 0; i < bundle.Length; i += 7)
        {
            var tampered = (byte[])bundle.Clone();
            tampered[i] ^= 1;
            Assert.Throws<CryptographicException>(() => KeyBundle.Open(tampered, keys.KeyEncryptionKey, Kdf.Salt));
        }
    }

    [Fact]
    public void VerifyRegistration_AnyWrongKeyOrSignature_False()
    {
        using var identity = IdentityKeys.Generate();
        using var device = DeviceKeys.Generate();
        using var stranger = IdentityKeys.Generate();
        var boxSig = device.SignBoxKey();
        var idSig = device.CertifyWith(identity);
        Assert.True(DeviceKeys.VerifyRegistration(identity.SigningPublicKey, device.SigningPublicKey, device.BoxPublicKey, boxSig, idSig));
        Assert.False(DeviceKeys.VerifyRegistration(stranger.SigningPublicKey, device.SigningPublicKey, device.BoxPublicKey, boxSig, idSig));
        Assert.False(DeviceKeys.VerifyRegistration(identity.SigningPublicKey, device.SigningPublicKey, stranger.BoxPublicKey, boxSig, idSig));
        Assert.False(DeviceKeys.VerifyRegistration(identity.SigningPublicKey, device.SigningPublicKey, device.BoxPublicKey, idSig, boxSig));
        Assert.False(DeviceKeys.VerifyRegistration(identity.SigningPublicKey, device.SigningPublicKey, device.BoxPublicKey, boxSig, null));
    }

    [Fact]
    public void SafetyNumber_SameForBothSides_SixtyDigits()
    {
        using var a = IdentityKeys.Generate();
        using var b = IdentityKeys.Generate();
        var fa = SafetyNumber.Fingerprint(a.SigningPublicKey, a.BoxPublicKey);
        var fb = SafetyNumber.Fingerprint(b.SigningPublicKey, b.BoxPublicKey);
        Assert.Matches("^[0-9]{5}( [0-9]{5}){5}$", fa);
        Assert.Equal(SafetyNumber.ForPair(fa, fb), SafetyNumber.ForPair(fb, fa));
        Assert.Equal(60, SafetyNumber.ForPair(fa, fb).Count(char.IsAsciiDigit));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FileEncryption.ChunkBytes)]
    [InlineData(3 * FileEncryption.ChunkBytes + 5)]
    public async Task FileEncryption_RoundTrip_AnySize(int size)
    {
        var key = Sodium.SodiumCore.GetRandomBytes(32);
        var plaintext = Sodium.SodiumCore.GetRandomBytes(size);
        var sealedStream = new MemoryStream();
        await FileEncryption.EncryptAsync(new MemoryStream(plaintext), sealedStream, key);
        var output = new MemoryStream();
        await FileEncryption.DecryptAsync(new MemoryStream(sealedStream.ToArray()), output, key);
        Assert.Equal(plaintext, output.ToArray());
    }

    [Fact]
    public async Task FileEncryption_TruncatedReorderedOrExtended_Detected()
    {
        var key = Sodium.SodiumCore.GetRandomBytes(32);
        var sealedStream = new MemoryStream();
        await FileEncryption.EncryptAsync(new MemoryStream(new byte[3 * FileEncryption.ChunkBytes]), sealedStream, key);
        var c = sealedStream.ToArray();
        const int chunk = FileEncryption.ChunkBytes + FileEncryption.ABytes;

        var truncated = c[..(FileEncryption.HeaderBytes + 2 * chunk)]; // drops the final chunk
        byte[] swapped = [.. c[..FileEncryption.HeaderBytes], .. c.AsSpan(FileEncryption.HeaderBytes + chunk, chunk),
            .. c.AsSpan(FileEncryption.HeaderBytes, chunk), .. c[(FileEncryption.HeaderBytes + 2 * chunk)..]];
        byte[] extended = [.. c, 0];
        foreach (var bad in new[] { truncated, swapped, extended })
        {
            await Assert.ThrowsAsync<CryptographicException>(() =>
                FileEncryption.DecryptAsync(new MemoryStream(bad), new MemoryStream(), key));
        }
    }
}
