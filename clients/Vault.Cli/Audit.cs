namespace Vault.Cli;

/// <summary>`vault audit verify [--family ID]`: exit 0 when the log checks out, 3 naming the first bad entry.</summary>
internal sealed partial class Context
{
    public async Task<int> AuditVerify(Guid? family)
    {
        var (p, client) = await SignedIn();
        var result = await client.VerifyAuditAsync(family, p.LastTreeHead);
        if (!result.Ok)
        {
            stdout.WriteLine($"Audit log verification FAILED at {result.Failure}.");
            return ExitCodes.VerificationFailed;
        }
        (Stored() with { LastTreeHead = result.Head, AuditKey = client.Session!.AuditKey }).Save(home);
        stdout.WriteLine($"Audit log verified: {result.EntriesChecked} entries, tree size {result.Head?.TreeSize}, consistent with the last head seen.");
        if (result.Erased > 0)
        {
            stdout.WriteLine($"{result.Erased} of them had their personal fields erased: in the log, but not attributable to anyone.");
        }
        return 0;
    }
}
