using System.Runtime.InteropServices;

namespace Vault.Crypto;

/// <summary>
/// The few libsodium functions Sodium.Core does not wrap (crypto_kdf, crypto_secretstream), called in the
/// same native library Sodium.Core ships, so there is one libsodium in the process.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "libsodium";

    static Native()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium could not be initialised.");
        }
    }

    /// <summary>Touching this runs the static constructor (sodium_init) before any other call.</summary>
    internal static void EnsureInitialised() { }

    [LibraryImport(Lib)]
    private static partial int sodium_init();

    [LibraryImport(Lib)]
    internal static partial int crypto_kdf_derive_from_key(byte* subkey, nuint subkeyLen, ulong subkeyId, byte* ctx, byte* key);

    [LibraryImport(Lib)]
    internal static partial nuint crypto_secretstream_xchacha20poly1305_statebytes();

    [LibraryImport(Lib)]
    internal static partial int crypto_secretstream_xchacha20poly1305_init_push(byte* state, byte* header, byte* key);

    [LibraryImport(Lib)]
    internal static partial int crypto_secretstream_xchacha20poly1305_push(
        byte* state, byte* c, ulong* clen, byte* m, ulong mlen, byte* ad, ulong adlen, byte tag);

    [LibraryImport(Lib)]
    internal static partial int crypto_secretstream_xchacha20poly1305_init_pull(byte* state, byte* header, byte* key);

    [LibraryImport(Lib)]
    internal static partial int crypto_secretstream_xchacha20poly1305_pull(
        byte* state, byte* m, ulong* mlen, byte* tag, byte* c, ulong clen, byte* ad, ulong adlen);

    [LibraryImport(Lib)]
    internal static partial void sodium_memzero(byte* pnt, nuint len);
}
