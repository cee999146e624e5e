using System.Text.Json;
using Sodium;
using Vault.Contracts.Consent;
using Vault.Server.Identity;

namespace Vault.Server.Audit;

/// <summary>Statements the server signs with its audit key: Ed25519 over "vault.receipt.v1" | the receipt's UTF-8 JSON.</summary>
public sealed class Receipts(ServerSecrets secrets)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    public static readonly byte[] Domain = "vault.receipt.v1"u8.ToArray();

    public SignedReceipt Sign<T>(T receipt)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(receipt, Json);
        return new SignedReceipt(bytes, PublicKeyAuth.SignDetached([.. Domain, .. bytes], secrets.AuditSigningKey.PrivateKey));
    }
}
