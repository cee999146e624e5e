using Vault.Contracts.Retention;

namespace Vault.Client;

public sealed partial class VaultClient
{
    /// <summary>Privacy officer: a family's retention clocks, its legal hold and what the last retention rounds purged.</summary>
    public Task<RetentionStateResponse> GetRetentionAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<RetentionStateResponse>(HttpMethod.Get, $"/privacy/families/{familyId}/retention", null, ct);
}
