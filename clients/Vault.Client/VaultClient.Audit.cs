using Vault.Contracts.Audit;

namespace Vault.Client;

public sealed partial class VaultClient
{
    public Task<SignedTreeHeadDto> GetTreeHeadAsync(CancellationToken ct = default) =>
        ApiAsync<SignedTreeHeadDto>(HttpMethod.Get, "/audit/tree-head", null, ct);

    /// <summary>
    /// Verifies the audit log as this user may see it: one family's entries (a guardian) or the whole log (a privacy
    /// officer), every page against a signed head consistent with <paramref name="lastSeen"/>. Returns the newest
    /// head to remember for next time, or the first entry that failed.
    /// </summary>
    public async Task<AuditVerification> VerifyAuditAsync(Guid? familyId, SignedTreeHeadDto? lastSeen, CancellationToken ct = default)
    {
        var verifier = new AuditVerifier(await AuditKeyAsync(ct), lastSeen, familyId, familyId is null ? -1 : 0);
        long after = familyId is null ? -1 : 0;
        while (true)
        {
            var path = familyId is { } family ? $"/families/{family}/audit?afterSeq={after}" : $"/audit/entries?after={after}";
            var page = await ApiAsync<AuditPageResponse>(HttpMethod.Get, path, null, ct);
            ConsistencyProofDto? proof = null;
            if (verifier.Head is { } previous && page.Head.TreeSize > previous.TreeSize)
            {
                proof = await ApiAsync<ConsistencyProofDto>(HttpMethod.Get,
                    $"/audit/consistency?from={previous.TreeSize}&to={page.Head.TreeSize}", null, ct);
            }
            if (verifier.AcceptHead(page.Head, proof) is { } headFailure)
            {
                return new AuditVerification(verifier.Head, verifier.Checked, headFailure, verifier.Erased);
            }
            foreach (var entry in page.Entries)
            {
                if (verifier.Check(entry) is { } failure)
                {
                    return new AuditVerification(verifier.Head, verifier.Checked, failure, verifier.Erased);
                }
                after = familyId is null ? entry.Entry.Index : entry.Entry.FamilySeq;
            }
            if (!page.More || page.Entries.Count == 0)
            {
                return new AuditVerification(verifier.Head, verifier.Checked, verifier.Finish(), verifier.Erased);
            }
        }
    }
}
