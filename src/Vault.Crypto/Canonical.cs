using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Crypto;

/// <summary>
/// The one byte layout every signed or hashed Vault statement uses: a domain string first, then fields in a fixed
/// order; integers big-endian; GUIDs as 16 bytes in RFC 4122 (big-endian) order, all zero for "none"; strings as a
/// u16 big-endian byte length and UTF-8. No field can be mistaken for another, so nothing can be re-read as a
/// different statement.
/// </summary>
public sealed class Canonical
{
    private readonly System.Buffers.ArrayBufferWriter<byte> buffer = new(256);

    public Canonical(string domain) => Raw(Encoding.ASCII.GetBytes(domain));

    public Canonical Raw(ReadOnlySpan<byte> bytes)
    {
        System.Buffers.BuffersExtensions.Write(buffer, bytes);
        return this;
    }

    public Canonical Id(Guid? value)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (value is { } v && !v.TryWriteBytes(bytes, bigEndian: true, out _))
        {
            throw new CryptographicException("GUID encoding failed.");
        }
        return Raw(bytes);
    }

    public Canonical Text(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new CryptographicException("A canonical string is at most 65535 bytes.");
        }
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
        return Raw(length).Raw(bytes);
    }

    public Canonical U32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Raw(bytes);
    }

    public Canonical I64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return Raw(bytes);
    }

    public byte[] ToArray() => buffer.WrittenSpan.ToArray();
}
