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
                ["consent_grant"] = ConsentVector(device),
                ["key_wrap_statement"] = Hex(KeyWrap.Statement(FamilyId, "channel:" + ChannelId, 3, UserId, DeviceId, Fill(0x77, 80))),
                ["message_associated_data"] = Hex(MessageHeader.AssociatedData()),
                ["audit"] = AuditVector(),
                ["document_manifest"] = DocumentVector(device),
            },
            ["message"] = MessageVector(device),
            ["secretstream"] = new JsonObject
            {
                ["note"] = "crypto_secretstream_xchacha20poly1305: header(24) | chunks of 64 KiB + 17; random header, so decrypt-only",
                ["key"] = Hex(streamKey), ["plaintext"] = Hex(plaintext), ["ciphertext"] = Hex(ciphertext.ToArray()),
                ["document_content_hash"] = Hex(DocumentFormat.ContentHash([System.Security.Cryptography.SHA256.HashData(ciphertext.ToArray())])),
            },
        };
    }

    private static readonly Guid FamilyId = Guid.Parse("0190d0a4-0000-7000-8000-000000000001");
    private static readonly Guid ChannelId = Guid.Parse("0190d0a4-0000-7000-8000-000000000002");
    private static readonly Guid UserId = Guid.Parse("0190d0a4-0000-7000-8000-000000000003");
    private static readonly Guid DeviceId = Guid.Parse("0190d0a4-0000-7000-8000-000000000004");
    private static readonly EnvelopeHeader MessageHeader = new(FamilyId, ChannelId, 3, DeviceId,
        Guid.Parse("0190d0a4-0000-7000-8000-000000000005"), "message", null);

    [Fact]
    public void MessageVector_Opens_ToPublishedPlaintext()
    {
        var published = JsonNode.Parse(File.ReadAllText(VectorFile))!["message"]!;
        var opened = MessageEnvelope.Open(MessageHeader, Hex(published["envelope"]), Hex(published["epoch_key"]),
            Hex(published["sender_signing_public"]));
        Assert.Equal(published["plaintext_utf8"]!.GetValue<string>(), System.Text.Encoding.UTF8.GetString(opened));
    }

    [Fact]
    public void DocumentContentHash_OfPublishedCiphertext_MatchesPublishedHash()
    {
        var published = JsonNode.Parse(File.ReadAllText(VectorFile))!["secretstream"]!;
        var ciphertext = Hex(published["ciphertext"]);
        Assert.True(ciphertext.Length < DocumentFormat.BlockBytes); // one block: the hash of its hash
        Assert.Equal(Hex(published["document_content_hash"]),
            DocumentFormat.ContentHash([System.Security.Cryptography.SHA256.HashData(ciphertext)]));
    }

    private static JsonObject DocumentVector(DeviceKeys signer)
    {
        var manifest = new DocumentManifest(FamilyId, "verslag", Guid.Parse("0190d0a4-0000-7000-8000-000000000007"), 2,
            Guid.Parse("0190d0a4-0000-7000-8000-000000000008"), 3, DocumentFormat.CiphertextLength(70_000), DocumentFormat.ChunkCount(70_000),
            Fill(0xa1), Fill(0xa2), Fill(0xa3));
        return new JsonObject
        {
            ["statement"] = Hex(manifest.SignedBytes()), ["signer_signing_public"] = Hex(signer.SigningPublicKey),
            ["signature"] = Hex(manifest.Sign(signer)), ["key_label"] = DocumentManifest.KeyLabel(manifest.DocumentId, manifest.UploadId),
            ["metadata_label"] = DocumentManifest.MetadataLabel(manifest.DocumentId, manifest.UploadId),
        };
    }

    private static JsonObject ConsentVector(DeviceKeys signer)
    {
        var statement = ConsentGrant.Statement(Guid.Parse("0190d0a4-0000-7000-8000-000000000006"), FamilyId, UserId, null,
            "channel:" + ChannelId, "write", "begeleiding van het gezin", "consent", 1_764_000_000_000, 0);
        return new JsonObject
        {
            ["statement"] = Hex(statement), ["signer_signing_public"] = Hex(signer.SigningPublicKey),
            ["signature"] = Hex(signer.Sign(statement)),
        };
    }

    private static JsonObject AuditVector()
    {
        var fields = new AuditPersonalFields(UserId, DeviceId, "krachtgezin", FamilyId, "channel:" + ChannelId + "/messages",
            "begeleiding van het gezin", "0HN7:00000001");
        var salt = Fill(0x88);
        var commitment = AuditLeaf.Commitment(fields, salt);
        var leaf = AuditLeaf.Encode(1_764_000_000_123, "message.sent", true, 42, commitment);
        var auditSeed = Fill(0x99);
        var auditKey = Sodium.PublicKeyAuth.GenerateKeyPair(auditSeed);
        var head = TreeHead.Sign(1, 1_764_000_001_000, MerkleTree.LeafHash(leaf), auditKey.PrivateKey);
        return new JsonObject
        {
            ["fields_salt"] = Hex(salt), ["commitment"] = Hex(commitment), ["leaf"] = Hex(leaf),
            ["leaf_hash"] = Hex(MerkleTree.LeafHash(leaf)), ["audit_signing_seed"] = Hex(auditSeed),
            ["audit_public_key"] = Hex(auditKey.PublicKey), ["tree_head_statement"] = Hex(TreeHead.Statement(head.TreeSize,
                head.TimestampUnixMs, head.RootHash)), ["tree_head_signature"] = Hex(head.Signature),
        };
    }

    private static JsonObject MessageVector(DeviceKeys sender)
    {
        var epochKey = Fill(0xaa);
        const string Text = "{\"text\":\"Zaterdag om tien uur bij de voetbal?\"}";
        return new JsonObject
        {
            ["note"] = "random nonce, so open-only; header fields as in deterministic.message_associated_data",
            ["epoch_key"] = Hex(epochKey), ["sender_signing_public"] = Hex(sender.SigningPublicKey), ["plaintext_utf8"] = Text,
            ["envelope"] = Hex(MessageEnvelope.Seal(MessageHeader, System.Text.Encoding.UTF8.GetBytes(Text), epochKey, sender)),
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
