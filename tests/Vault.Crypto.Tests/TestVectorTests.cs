using System.Text.Json;
using System.Text.Json.Nodes;
using Vault.Crypto;

namespace Vault.Crypto.Tests;

/// <summary>
/// Checks the published vectors in security/test-vectors/v1.json: a second implementation checks itself against
/// the same file. Set VAULT_WRITE_VECTORS=1 to (re)write the file after a deliberate format change.
/// </summary>
public sealed class TestVectorTests
{
    private static readonly string VectorFile = Path.Combine(RepoRoot(), "security", "test-vectors", "v1.json");
    private static readonly byte[] IdentitySigningSeed = Fill(0x11), IdentityBoxSecret = Fill(0x22);
    private static readonly byte[] DeviceSigningSeed = Fill(0x33), DeviceBoxSecret = Fill(0x44);
    private static readonly byte[] Salt = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Nonce = Fill(0x55, 24);
    private const string Passphrase = "Krachtgezin & vragend gezin: één team";

    [Fact]
    public void Vectors_ComputedFromFixedInputs_MatchPublishedFile()
    {
        var computed = Compute();
        if (Environment.GetEnvironmentVariable("VAULT_WRITE_VECTORS") == "1")
        {
            File.WriteAllText(VectorFile, computed.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        var published = JsonNode.Parse(File.ReadAllText(VectorFile))!;
        Assert.Equal(published["deterministic"]!.ToJsonString(), computed["deterministic"]!.ToJsonString());
    }

    [Fact]
    public async Task FileEncryptionVector_Decrypts_ToPublishedPlaintext()
    {
        var published = JsonNode.Parse(File.ReadAllText(VectorFile))!["secretstream"]!;
        var output = new MemoryStream();
        await FileEncryption.DecryptAsync(new MemoryStream(Hex(published["ciphertext"])), output, Hex(published["key"]));
        Assert.Equal(Hex(published["plaintext"]), output.ToArray());
    }

    private static JsonObject Compute()
    {
        var kdf = new KdfParameters(3, 8 * 1024 * 1024, Salt);
        var master = PassphraseKeys.DeriveMasterKey(Passphrase, kdf);
        using var keys = PassphraseKeys.FromMasterKey(master);
        using var identity = IdentityKeys.FromSecrets(IdentitySigningSeed, IdentityBoxSecret);
        using var device = DeviceKeys.FromSecrets(DeviceSigningSeed, DeviceBoxSecret);
        var fingerprint = SafetyNumber.Fingerprint(identity.SigningPublicKey, identity.BoxPublicKey);
        var other = SafetyNumber.Fingerprint(device.SigningPublicKey, device.BoxPublicKey);

        var streamKey = Fill(0x66);
        var plaintext = System.Text.Encoding.UTF8.GetBytes(new string('v', 70_000)); // two chunks
        var ciphertext = new MemoryStream();
        FileEncryption.EncryptAsync(new MemoryStream(plaintext), ciphertext, streamKey).GetAwaiter().GetResult();

        return new JsonObject
        {
            ["deterministic"] = new JsonObject
            {
                ["kdf"] = new JsonObject
                {
                    ["passphrase_utf8_nfkc"] = Passphrase, ["salt"] = Hex(Salt), ["ops_limit"] = 3, ["mem_limit_bytes"] = 8 * 1024 * 1024,
                    ["algorithm"] = "argon2id13", ["master_key"] = Hex(master),
                    ["kdf_context"] = "vault-pw", ["auth_key_subkey_id"] = 1, ["auth_key"] = Hex(keys.AuthKey),
                    ["kek_subkey_id"] = 2, ["key_encryption_key"] = Hex(keys.KeyEncryptionKey),
                },
                ["key_bundle"] = new JsonObject
                {
                    ["identity_signing_seed"] = Hex(IdentitySigningSeed), ["identity_box_secret"] = Hex(IdentityBoxSecret),
                    ["identity_signing_public"] = Hex(identity.SigningPublicKey), ["identity_box_public"] = Hex(identity.BoxPublicKey),
                    ["key_encryption_key"] = Hex(keys.KeyEncryptionKey), ["salt"] = Hex(Salt), ["nonce"] = Hex(Nonce),
                    ["bundle"] = Hex(KeyBundle.Seal(identity, keys.KeyEncryptionKey, Salt, Nonce)),
                },
                ["device"] = new JsonObject
                {
                    ["signing_seed"] = Hex(DeviceSigningSeed), ["box_secret"] = Hex(DeviceBoxSecret),
                    ["signing_public"] = Hex(device.SigningPublicKey), ["box_public"] = Hex(device.BoxPublicKey),
                    ["box_key_signature"] = Hex(device.SignBoxKey()), ["identity_signature"] = Hex(device.CertifyWith(identity)),
                },
                ["fingerprint"] = new JsonObject
                {
                    ["identity_fingerprint"] = fingerprint, ["device_keys_as_identity_fingerprint"] = other,
                    ["safety_number"] = SafetyNumber.ForPair(fingerprint, other),
                },
            },
            ["secretstream"] = new JsonObject
            {
                ["note"] = "crypto_secretstream_xchacha20poly1305: header(24) | chunks of 64 KiB + 17; random header, so decrypt-only",
                ["key"] = Hex(streamKey), ["plaintext"] = Hex(plaintext), ["ciphertext"] = Hex(ciphertext.ToArray()),
            },
        };
    }

    private static byte[] Fill(byte value, int length = 32) => Enumerable.Repeat(value, length).ToArray();
    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
    private static byte[] Hex(JsonNode? node) => Convert.FromHexString(node!.GetValue<string>());

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Vault.sln not found above the test binaries.");
    }
}
