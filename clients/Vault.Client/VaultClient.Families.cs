using Vault.Contracts.Families;
using Vault.Contracts.Identity;

namespace Vault.Client;

public sealed partial class VaultClient
{
    public Task<FamilySummary> CreateFamilyAsync(CreateFamilyRequest request, CancellationToken ct = default) =>
        ApiAsync<FamilySummary>(HttpMethod.Post, "/families", request, ct);

    public Task<List<FamilySummary>> ListFamiliesAsync(CancellationToken ct = default) =>
        ApiAsync<List<FamilySummary>>(HttpMethod.Get, "/families", null, ct);

    public Task<FamilySummary> GetFamilyAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<FamilySummary>(HttpMethod.Get, $"/families/{familyId}", null, ct);

    public Task<InvitationResponse> InviteToFamilyAsync(Guid familyId, string role, DateOnly? dateOfBirth = null,
        int? validForHours = null, CancellationToken ct = default) =>
        ApiAsync<InvitationResponse>(HttpMethod.Post, $"/families/{familyId}/invitations",
            new CreateFamilyInvitationRequest(role, dateOfBirth, validForHours), ct);

    public Task<FamilySummary> AcceptFamilyInvitationAsync(string code, CancellationToken ct = default) =>
        ApiAsync<FamilySummary>(HttpMethod.Post, "/families/invitations/accept", new AcceptFamilyInvitationRequest(code), ct);

    public Task<List<MemberInfo>> ListMembersAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<List<MemberInfo>>(HttpMethod.Get, $"/families/{familyId}/members", null, ct);

    public Task RemoveMemberAsync(Guid familyId, Guid userId, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Delete, $"/families/{familyId}/members/{userId}", null, ct);

    public Task<List<RecipientInfo>> ListGuardiansAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<List<RecipientInfo>>(HttpMethod.Get, $"/families/{familyId}/guardians", null, ct);

    public Task<ProgressResponse> GetProgressAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<ProgressResponse>(HttpMethod.Get, $"/families/{familyId}/progress", null, ct);

    public Task UpdateTrajectAsync(Guid familyId, string status, DateOnly? plannedEnd, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Put, $"/families/{familyId}/traject", new UpdateTrajectRequest(status, plannedEnd), ct);

    /// <summary>Guardians: every scope with everyone (and every device) who can read it now.</summary>
    public Task<List<ScopeAccess>> GetAccessOverviewAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<List<ScopeAccess>>(HttpMethod.Get, $"/families/{familyId}/access", null, ct);
}
