using System.Buffers.Binary;
using System.Text;
using Sodium;

namespace Vault.Crypto;

/// <summary>
/// Numbers two people read to each other to know they hold each other's real identity keys.
/// A user's fingerprint is 30 digits: BLAKE2b-256 over "vault.fingerprint.v1" | identity Ed25519 key |
/// identity X25519 key, its first 30 bytes read as six big-endian 40-bit numbers, each mod 100000, printed as
/// six zero-padded groups of five digits. A pair's safety number is the two fingerprints, lower one first, so both
/// sides see the same 60 digits.
/// </summary>
public static class SafetyNumber
{
    private static readonly byte[] Domain = "vault.fingerprint.v1"u8.ToArray();

    public static string Fingerprint(byte[] identitySigningKey, byte[] identityBoxKey)
    {
        var hash = GenericHash.Hash([.. Domain, .. identitySigningKey, .. identityBoxKey], null, 32);
        var groups = new StringBuilder(35);
        Span<byte> chunk = stackalloc byte[8];
        for (var i = 0; i < 6; i++)
        {
            hash.AsSpan(i * 5, 5).CopyTo(chunk[3..]);
            var value = BinaryPrimitives.ReadUInt64BigEndian(chunk) % 100000;
            if (i > 0)
            {
                groups.Append(' ');
            }
            groups.Append(value.ToString("D5", System.Globalization.CultureInfo.InvariantCulture));
        }
        return groups.ToString();
    }

    public static string ForPair(string fingerprintA, string fingerprintB) =>
        string.CompareOrdinal(fingerprintA, fingerprintB) <= 0
            ? $"{fingerprintA} {fingerprintB}"
            : $"{fingerprintB} {fingerprintA}";
}
