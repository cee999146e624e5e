using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts.Consent;
using Vault.Contracts.DataSubject;

namespace Vault.Client;

/// <summary>Data-subject requests: filing and following them (the family), working them through (the privacy officer).</summary>
public sealed partial class VaultClient
{
    public Task<SubjectRequestResponse> FileRequestAsync(Guid familyId, string kind, string? details = null, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/families/{familyId}/requests", new CreateSubjectRequest(kind, details), ct);

    public Task<List<SubjectRequestResponse>> FamilyRequestsAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<List<SubjectRequestResponse>>(HttpMethod.Get, $"/families/{familyId}/requests", null, ct);

    /// <summary>The requester's own erasure receipt, checked against the pinned audit key.</summary>
    public async Task<(ErasureReceipt Receipt, SignedReceipt Signed)> MyErasureReceiptAsync(Guid requestId, CancellationToken ct = default) =>
        await VerifyErasureReceiptAsync(await ApiAsync<SignedReceipt>(HttpMethod.Get, $"/requests/{requestId}/receipt", null, ct), requestId, ct);

    public Task<List<SubjectRequestResponse>> RequestQueueAsync(bool all = false, CancellationToken ct = default) =>
        ApiAsync<List<SubjectRequestResponse>>(HttpMethod.Get, all ? "/privacy/requests?all=true" : "/privacy/requests", null, ct);

    public Task<SubjectRequestResponse> RecordRequestAsync(Guid familyId, string kind, string? details = null, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/families/{familyId}/requests", new CreateSubjectRequest(kind, details), ct);

    public Task<SubjectRequestResponse> RequestAsync(Guid requestId, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Get, $"/privacy/requests/{requestId}", null, ct);

    public Task<SubjectRequestResponse> StartRequestAsync(Guid requestId, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/start", null, ct);

    public Task<SubjectRequestResponse> ExtendRequestAsync(Guid requestId, string reason, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/extend", new ReasonRequest(reason), ct);

    public Task<SubjectRequestResponse> RefuseRequestAsync(Guid requestId, string reason, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/refuse", new ReasonRequest(reason), ct);

    public Task<SubjectRequestResponse> CompleteRequestAsync(Guid requestId, string outcome, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/complete", new ReasonRequest(outcome), ct);

    public Task<SubjectRequestResponse> RestrictAsync(Guid requestId, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/restrict", null, ct);

    public Task LiftRestrictionAsync(Guid familyId, string reason, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Post, $"/privacy/families/{familyId}/restriction/lift", new ReasonRequest(reason), ct);

    public Task SetLegalHoldAsync(Guid familyId, string ground, DateOnly? until = null, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Put, $"/privacy/families/{familyId}/legal-hold", new LegalHoldRequest(ground, until), ct);

    public Task LiftLegalHoldAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Delete, $"/privacy/families/{familyId}/legal-hold", null, ct);

    public Task<SubjectRequestResponse> RectifyAsync(Guid requestId, Guid userId, string email, CancellationToken ct = default) =>
        ApiAsync<SubjectRequestResponse>(HttpMethod.Post, $"/privacy/requests/{requestId}/rectify", new RectifyAccountRequest(userId, email), ct);

    /// <summary>Erases the request's family (privacy officer); the receipt, checked against the pinned audit key.</summary>
    public async Task<(ErasureReceipt Receipt, SignedReceipt Signed)> EraseAsync(Guid requestId, CancellationToken ct = default) =>
        await VerifyErasureReceiptAsync(await ApiAsync<SignedReceipt>(HttpMethod.Post, $"/privacy/requests/{requestId}/erase", null, ct),
            requestId, ct);

    public async Task<(ErasureReceipt Receipt, SignedReceipt Signed)> ErasureReceiptAsync(Guid requestId, CancellationToken ct = default) =>
        await VerifyErasureReceiptAsync(await ApiAsync<SignedReceipt>(HttpMethod.Get, $"/privacy/requests/{requestId}/receipt", null, ct),
            requestId, ct);

    private async Task<(ErasureReceipt, SignedReceipt)> VerifyErasureReceiptAsync(SignedReceipt signed, Guid requestId, CancellationToken ct)
    {
        var receipt = JsonSerializer.Deserialize<ErasureReceipt>(await VerifyReceiptAsync(signed, ct), Json)!;
        return receipt.Type == "vault.erasure.v1" && receipt.RequestId == requestId
            ? (receipt, signed)
            : throw new CryptographicException("The receipt is not an erasure receipt for this request.");
    }
}
