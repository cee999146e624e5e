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
    public Task<AuditVerification> VerifyAuditAsync(Guid? familyId, SignedTreeHeadDto? lastSeen, CancellationToken ct = default) =>
        WalkAuditAsync(familyId, lastSeen, expectPartial: false, _ => { }, ct);

    /// <summary>
    /// Reads every page, checking each against the verifier, and hands each entry that passed to
    /// <paramref name="verified"/>. A page marked partial is a failure unless the caller expects one (a child).
    /// </summary>
    private async Task<AuditVerification> WalkAuditAsync(Guid? familyId, SignedTreeHeadDto? lastSeen, bool expectPartial,
        Action<AuditEntryWithProof> verified, CancellationToken ct)
    {
        var verifier = new AuditVerifier(await AuditKeyAsync(ct), lastSeen, familyId, familyId is null ? -1 : 0) { Partial = expectPartial };
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
            if (page.Partial && !expectPartial)
            {
                return new AuditVerification(verifier.Head, verifier.Checked,
                    new AuditFailure(-1, 0, "the server showed only part of the family's trail to a caller who may see all of it"), verifier.Erased);
            }
            foreach (var entry in page.Entries)
            {
                if (verifier.Check(entry) is { } failure)
                {
                    return new AuditVerification(verifier.Head, verifier.Checked, failure, verifier.Erased);
                }
                verified(entry);
                after = familyId is null ? entry.Entry.Index : entry.Entry.FamilySeq;
            }
            if (!page.More || page.Entries.Count == 0)
            {
                return new AuditVerification(verifier.Head, verifier.Checked, verifier.Finish(), verifier.Erased);
            }
        }
    }
}
