using System.Buffers.Binary;
using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// Small metadata under a scope's epoch key (a channel's name, say): 0x01 | epoch(u32) | nonce(24) | ciphertext,
/// XChaCha20-Poly1305 with associated data "vault.scopebox.v1" | family | scope | epoch | label.
/// </summary>
public static class ScopeBox
{
    public const byte Version = 1;

    public static byte[] Seal(Guid familyId, string scope, int epoch, string label, ReadOnlySpan<byte> plaintext, byte[] epochKey)
    {
        var nonce = SecretAeadXChaCha20Poly1305.GenerateNonce();
        var ciphertext = SecretAeadXChaCha20Poly1305.Encrypt(plaintext.ToArray(), nonce, epochKey,
            AssociatedData(familyId, scope, epoch, label));
        var header = new byte[5];
        header[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), checked((uint)epoch));
        return [.. header, .. nonce, .. ciphertext];
    }

    /// <summary>The epoch whose key opens this box, or -1 if it is not a box.</summary>
    public static int EpochOf(ReadOnlySpan<byte> box) =>
        box.Length >= 5 + 24 + 16 && box[0] == Version ? (int)BinaryPrimitives.ReadUInt32BigEndian(box[1..]) : -1;

    public static byte[] Open(Guid familyId, string scope, string label, byte[] box, byte[] epochKey)
    {
        var epoch = EpochOf(box);
        if (epoch < 0)
        {
            throw new CryptographicException("Not a scope box.");
        }
        return SecretAeadXChaCha20Poly1305.Decrypt(box[29..], box[5..29], epochKey, AssociatedData(familyId, scope, epoch, label));
    }

    private static byte[] AssociatedData(Guid familyId, string scope, int epoch, string label) =>
        new Canonical("vault.scopebox.v1").Id(familyId).Text(scope).U32(checked((uint)epoch)).Text(label).ToArray();
}
