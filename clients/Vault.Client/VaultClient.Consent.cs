using System.Security.Cryptography;
using System.Text.Json;
using Sodium;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Consent;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>Consent on the device: build and sign grants over their canonical encoding, co-sign, withdraw.</summary>
public sealed partial class VaultClient
{
    public static ConsentGrantBody NewGrant(Guid familyId, Guid granteeUserId, string scope, string permission, string purpose,
        string legalBasis = "consent", DateTimeOffset? validFrom = null, DateTimeOffset? validUntil = null, Guid? subjectUserId = null) =>
        new(Guid.NewGuid(), familyId, granteeUserId, subjectUserId, scope, permission, purpose, legalBasis,
            (validFrom ?? DateTimeOffset.UtcNow.AddMinutes(-1)).ToUnixTimeMilliseconds(), validUntil?.ToUnixTimeMilliseconds() ?? 0);

    /// <summary>This device's signature over a grant's canonical bytes.</summary>
    public GrantSignature SignGrant(ConsentGrantBody grant)
    {
        var session = RequireSession();
        return new GrantSignature(session.UserId, session.DeviceId, session.Device.Sign(Statement(grant)));
    }

    public static byte[] Statement(ConsentGrantBody g) => ConsentGrant.Statement(g.GrantId, g.FamilyId, g.GranteeUserId,
        g.SubjectUserId, g.Scope, g.Permission, g.Purpose, g.LegalBasis, g.ValidFromUnixMs, g.ValidUntilUnixMs);

    public Task<GrantResponse> SubmitGrantAsync(SubmitGrantRequest request, CancellationToken ct = default) =>
        ApiAsync<GrantResponse>(HttpMethod.Post, $"/families/{request.Grant.FamilyId}/grants", request, ct);

    /// <summary>
    /// A guardian grants consent: signs, submits, and (once active) shares the scope's current key with the grantee's
    /// devices, so they can read from now on. History stays closed unless <paramref name="shareHistory"/>.
    /// </summary>
    public async Task<GrantResponse> GrantAsync(ConsentGrantBody grant, bool shareHistory = false, CancellationToken ct = default)
    {
        var response = await SubmitGrantAsync(new SubmitGrantRequest(grant, [SignGrant(grant)]), ct);
        await ShareAfterActivationAsync(response, shareHistory, ct);
        return response;
    }

    /// <summary>
    /// A child (or second signer) adds their signature to a pending grant, after reading what it says. If that makes
    /// it active and this device may write the scope (a child's own channel, say), the grantee gets the key at once.
    /// </summary>
    public async Task<GrantResponse> CoSignGrantAsync(ConsentGrantBody grant, CancellationToken ct = default)
    {
        var response = await ApiAsync<GrantResponse>(HttpMethod.Post, $"/families/{grant.FamilyId}/grants/{grant.GrantId}/signatures",
            SignGrant(grant), ct);
        try
        {
            await ShareAfterActivationAsync(response, ct: ct);
        }
        catch (VaultApiException e) when (e.Status is 403 or 404)
        {
            // This signer may not manage the scope's keys: a guardian or writer shares them instead.
        }
        return response;
    }

    /// <summary>
    /// Lets the grantee of an active grant read the scope (anyone who may write it can do this): with
    /// <paramref name="shareHistory"/>, every epoch key this device holds is shared; without, the ring rotates to a
    /// fresh epoch wrapped for every reader, so nothing written before the grant can be decrypted by the grantee.
    /// </summary>
    public async Task ShareAfterActivationAsync(GrantResponse grant, bool shareHistory = false, CancellationToken ct = default)
    {
        if (grant.Status == GrantStatus.Active && ConsentScopes.HasKeyRing(grant.Grant.Scope)
            && (await GetKeyRingAsync(grant.Grant.FamilyId, grant.Grant.Scope, ct)).CurrentEpoch > 0)
        {
            if (shareHistory)
            {
                await ShareKeysAsync(grant.Grant.FamilyId, grant.Grant.Scope, grant.Grant.GranteeUserId, history: true, ct);
            }
            else
            {
                await RotateAsync(grant.Grant.FamilyId, grant.Grant.Scope, ct);
            }
        }
    }

    public Task<List<GrantResponse>> ListGrantsAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<List<GrantResponse>>(HttpMethod.Get, $"/families/{familyId}/grants", null, ct);

    /// <summary>Withdraws at once and returns the server-signed receipt, checked against the pinned audit key.</summary>
    public async Task<WithdrawalReceipt> WithdrawGrantAsync(Guid familyId, Guid grantId, string? reason = null, CancellationToken ct = default) =>
        (await WithdrawGrantSignedAsync(familyId, grantId, reason, ct)).Receipt;

    /// <summary>
    /// As <see cref="WithdrawGrantAsync"/>, also returning the signed bytes and signature, so the receipt can be kept
    /// and verified later without the server.
    /// </summary>
    public async Task<(WithdrawalReceipt Receipt, SignedReceipt Signed)> WithdrawGrantSignedAsync(Guid familyId, Guid grantId,
        string? reason = null, CancellationToken ct = default)
    {
        var signed = await ApiAsync<SignedReceipt>(HttpMethod.Post, $"/families/{familyId}/grants/{grantId}/withdraw",
            new WithdrawGrantRequest(reason), ct);
        var receipt = JsonSerializer.Deserialize<WithdrawalReceipt>(await VerifyReceiptAsync(signed, ct), Json)!;
        return receipt.GrantId == grantId ? (receipt, signed) : throw new CryptographicException("The receipt is for another grant.");
    }

    /// <summary>The receipt's bytes once its signature verifies with the server's (pinned) audit key.</summary>
    public async Task<byte[]> VerifyReceiptAsync(SignedReceipt receipt, CancellationToken ct = default)
    {
        var key = await AuditKeyAsync(ct);
        byte[] message = [.. "vault.receipt.v1"u8, .. receipt.Receipt];
        return receipt.Signature is { Length: 64 } && PublicKeyAuth.VerifyDetached(receipt.Signature, message, key)
            ? receipt.Receipt
            : throw new CryptographicException("The receipt's signature does not verify with the server's audit key.");
    }

    /// <summary>The server's audit key, pinned in the session on first use; a different key later is refused.</summary>
    public async Task<byte[]> AuditKeyAsync(CancellationToken ct = default)
    {
        var session = RequireSession();
        var served = (await ApiAsync<AuditKeyResponse>(HttpMethod.Get, "/audit/key", null, ct)).PublicKey;
        session.AuditKey ??= served;
        return session.AuditKey.AsSpan().SequenceEqual(served)
            ? session.AuditKey
            : throw new CryptographicException("The server's audit key changed since this device pinned it.");
    }
}
