using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sodium;
using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// A receipt the server signed, kept as a file that proves itself without the server: the exact signed bytes, the
/// Ed25519 signature over "vault.receipt.v1" | those bytes, the public key it verifies with (the server's audit
/// key as pinned by the profile that received it), and a readable copy of the statement, which must say the same.
/// </summary>
internal sealed record ReceiptFile(string Format, string Kind, string Server, DateTimeOffset SavedAt, string Algorithm,
    byte[] Receipt, byte[] Signature, byte[] SignedWith, string SignedWithKeyId, JsonElement Statement)
{
    public const string FormatName = "vault.signed-receipt.v1";
    private const string AlgorithmName = "Ed25519 over \"vault.receipt.v1\" | receipt (the server's audit key)";
    private static readonly byte[] Domain = "vault.receipt.v1"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A short, stable name for a public key, to compare by eye: the first 16 hex digits of its SHA-256.</summary>
    public static string KeyId(byte[] publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    public static ReceiptFile From(SignedReceipt signed, byte[] auditKey, string server)
    {
        using var statement = JsonDocument.Parse(signed.Receipt);
        var kind = statement.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()! : "receipt";
        return new ReceiptFile(FormatName, kind, server, DateTimeOffset.UtcNow, AlgorithmName, signed.Receipt, signed.Signature,
            auditKey, KeyId(auditKey), statement.RootElement.Clone());
    }

    /// <summary>Writes the file readable only by its owner; missing directories are made 0700.</summary>
    public string Save(string path)
    {
        var full = Path.GetFullPath(path);
        Profiles.CreatePrivateDirectory(Path.GetDirectoryName(full)!);
        using var stream = Profile.CreatePrivateFile(full, FileMode.Create);
        JsonSerializer.Serialize(stream, this, Json);
        return full;
    }

    /// <summary>
    /// Checks a saved receipt offline. <paramref name="pinned"/> is the audit key the current profile trusts (null:
    /// none pinned, so only the key named in the file can be used, and the caller must say so).
    /// </summary>
    public static Verification Verify(string text, byte[]? pinned)
    {
        ReceiptFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ReceiptFile>(text, Json);
        }
        catch (JsonException e)
        {
            return Verification.Failed($"the file is not a readable receipt file ({e.Message})");
        }
        catch (FormatException)
        {
            return Verification.Failed("a base64 field (receipt, signature or signedWith) is damaged");
        }
        if (file is not { Format: FormatName, Receipt: not null, Signature: not null, SignedWith: not null }
            || file.Statement.ValueKind == JsonValueKind.Undefined)
        {
            return Verification.Failed($"the file is not a {FormatName} receipt file (format, receipt, signature, signedWith or statement missing)");
        }
        if (file.SignedWith.Length != 32 || file.Signature.Length != 64)
        {
            return Verification.Failed("the signature or the public key has the wrong length");
        }
        if (pinned is not null && !CryptographicOperations.FixedTimeEquals(pinned, file.SignedWith))
        {
            return Verification.Failed($"the receipt names key {KeyId(file.SignedWith)}, not the server's audit key pinned in this " +
                $"profile ({KeyId(pinned)}): it was not signed by the server this profile trusts");
        }
        if (!PublicKeyAuth.VerifyDetached(file.Signature, [.. Domain, .. file.Receipt], file.SignedWith))
        {
            return Verification.Failed($"the signature does not verify: the signed receipt was altered, or was not signed with key {KeyId(file.SignedWith)}");
        }
        JsonNode? signed;
        try
        {
            signed = JsonNode.Parse(file.Receipt);
        }
        catch (JsonException)
        {
            return Verification.Failed("the signed receipt is not JSON");
        }
        if (!JsonNode.DeepEquals(signed, JsonNode.Parse(file.Statement.GetRawText())))
        {
            return Verification.Failed("the readable statement in the file differs from what the server signed: trust the signed receipt, not the copy");
        }
        return new Verification(null, file, pinned is not null);
    }

    /// <summary>What a verified receipt states, in a few lines.</summary>
    public IEnumerable<string> Describe()
    {
        if (Kind == "withdrawal" && JsonSerializer.Deserialize<WithdrawalReceipt>(Receipt, Json) is { } w)
        {
            yield return $"Grant {w.GrantId} on {w.Scope} in family {w.FamilyId} was withdrawn at {w.WithdrawnAt:yyyy-MM-dd HH:mm:ss} UTC " +
                         $"by user {w.WithdrawnBy}.";
            yield return $"The grantee, user {w.GranteeUserId}, had {w.AccessedCount} audited accesses to it; the audit log then held " +
                         $"{w.TreeSize} entries (root {Convert.ToHexStringLower(w.RootHash)}).";
            yield break;
        }
        if (Statement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in Statement.EnumerateObject())
            {
                var value = property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array
                    ? property.Value.GetRawText() : property.Value.ToString();
                yield return $"{property.Name}: {(value.Length > 200 ? value[..200] + " ..." : value)}";
            }
        }
    }

    /// <summary>The outcome: <see cref="Failure"/> names what failed; else the receipt, and whether a pinned key vouched for it.</summary>
    public sealed record Verification(string? Failure, ReceiptFile? File, bool AgainstPinnedKey)
    {
        public static Verification Failed(string why) => new(why, null, false);
    }
}
