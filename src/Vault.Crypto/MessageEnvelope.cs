using System.Security.Cryptography;
using Sodium;

namespace Vault.Crypto;

/// <summary>Everything an envelope is bound to besides its content; sent in clear beside the envelope.</summary>
public sealed record EnvelopeHeader(Guid FamilyId, Guid ChannelId, int Epoch, Guid SenderDeviceId, Guid ClientMessageId,
    string Kind, Guid? RefClientMessageId)
{
    public byte[] AssociatedData() =>
        new Canonical("vault.msg.v1").Id(FamilyId).Id(ChannelId).U32(checked((uint)Epoch)).Id(SenderDeviceId)
            .Id(ClientMessageId).Text(Kind).Id(RefClientMessageId).ToArray();
}

/// <summary>
/// A message: XChaCha20-Poly1305 under the channel's epoch key with the header as associated data, signed by the
/// sender device's Ed25519 key (group members share the key, so only the signature proves who wrote it).
/// Wire format v1: 0x01 | nonce(24) | ciphertext(padded plaintext + 16) | signature(64), the signature over
/// associated data | 0x01 | nonce | ciphertext. Plaintext is padded to a multiple of 256 bytes (0x80 then zeros)
/// so the server learns only a coarse size.
/// </summary>
public static class MessageEnvelope
{
    public const byte Version = 1;
    public const int NonceBytes = 24, TagBytes = 16, SignatureBytes = 64, PadBlock = 256;
    public const int MinLength = 1 + NonceBytes + PadBlock + TagBytes + SignatureBytes;

    public static byte[] Seal(EnvelopeHeader header, ReadOnlySpan<byte> plaintext, byte[] epochKey, DeviceKeys sender)
    {
        var padded = Pad(plaintext);
        var nonce = SecretAeadXChaCha20Poly1305.GenerateNonce();
        var ciphertext = SecretAeadXChaCha20Poly1305.Encrypt(padded, nonce, epochKey, header.AssociatedData());
        CryptographicOperations.ZeroMemory(padded);
        byte[] body = [Version, .. nonce, .. ciphertext];
        return [.. body, .. sender.Sign(SignedBytes(header, body))];
    }

    /// <summary>Shape only: what the server can check without keys.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> envelope) =>
        envelope.Length >= MinLength && envelope[0] == Version
        && (envelope.Length - 1 - NonceBytes - TagBytes - SignatureBytes) % PadBlock == 0;

    /// <summary>The sender device's signature over header and ciphertext; the server checks this before storing.</summary>
    public static bool VerifySignature(EnvelopeHeader header, byte[] envelope, byte[] senderSigningKey)
    {
        if (!IsWellFormed(envelope))
        {
            return false;
        }
        var body = envelope[..^SignatureBytes];
        return DeviceKeys.Verify(envelope[^SignatureBytes..], SignedBytes(header, body), senderSigningKey);
    }

    /// <summary>Checks the signature, then decrypts; throws CryptographicException on any failure.</summary>
    public static byte[] Open(EnvelopeHeader header, byte[] envelope, byte[] epochKey, byte[] senderSigningKey)
    {
        if (!VerifySignature(header, envelope, senderSigningKey))
        {
            throw new CryptographicException("The message signature does not verify.");
        }
        var nonce = envelope[1..(1 + NonceBytes)];
        var ciphertext = envelope[(1 + NonceBytes)..^SignatureBytes];
        var padded = SecretAeadXChaCha20Poly1305.Decrypt(ciphertext, nonce, epochKey, header.AssociatedData());
        return Unpad(padded);
    }

    private static byte[] SignedBytes(EnvelopeHeader header, byte[] body) => [.. header.AssociatedData(), .. body];

    internal static byte[] Pad(ReadOnlySpan<byte> plaintext)
    {
        var length = (plaintext.Length / PadBlock + 1) * PadBlock;
        var padded = new byte[length];
        plaintext.CopyTo(padded);
        padded[plaintext.Length] = 0x80;
        return padded;
    }

    internal static byte[] Unpad(byte[] padded)
    {
        var end = Array.LastIndexOf(padded, (byte)0x80);
        if (end < 0 || padded.AsSpan(end + 1).ContainsAnyExcept((byte)0))
        {
            throw new CryptographicException("The message padding is invalid.");
        }
        return padded[..end];
    }
}
