using Vault.Client;
using Vault.Contracts;

namespace Vault.Cli;

/// <summary>`vault dsr export`: the family's data into a directory, verified against the server's signed summary.</summary>
internal sealed partial class Context
{
    public async Task<int> DsrExport(Guid familyId, string output, Guid? request, bool json)
    {
        var directory = Path.GetFullPath(output);
        if (File.Exists(directory) || (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any()))
        {
            throw new CliException($"{output} already exists and is not an empty directory: nothing was exported.",
                hint: "Give --out a new or empty directory, so the archive holds nothing but this export.");
        }
        var (_, client) = await SignedIn();
        if (!json)
        {
            stderr.WriteLine($"Exporting family {familyId} into {directory} ...");
        }
        ExportResult result;
        try
        {
            result = await client.ExportFamilyAsync(familyId, directory, requestId: request);
        }
        catch (VaultApiException e) when (e.ProblemType == ProblemTypes.Forbidden)
        {
            throw new CliException("Only a guardian of the family can export its data: the server refused.",
                hint: "Ask a guardian of the family to run `vault dsr export`; everyone can see their own grants with `vault grants --family ID`.");
        }
        (Stored() with { AuditKey = client.Session!.AuditKey }).Save(home); // pinned, like `vault audit verify` does
        if (json)
        {
            WriteJson(new ExportJson(result.FamilyId, result.Directory, result.Verified, result.VerificationFailure, result.Counts,
                result.MessagesDecrypted, result.MessagesNotDecrypted, result.DocumentsWritten, result.DocumentsNotWritten, result.IssueCount));
            return result.Verified ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }
        Table([Say("PART", "ONDERDEEL"), Say("COUNT", "AANTAL")],
            result.Counts.Select(p => new[] { p.Key, p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        stdout.WriteLine($"Messages decrypted: {result.MessagesDecrypted}, not decryptable on this device: {result.MessagesNotDecrypted}.");
        stdout.WriteLine($"Documents written: {result.DocumentsWritten}, not written: {result.DocumentsNotWritten}" +
            (result.IssueCount > 0 ? " (samenvatting.txt says why)." : "."));
        if (!result.Verified)
        {
            stdout.WriteLine($"Export verification FAILED: {result.VerificationFailure}. Do not rely on this archive as complete; run the export again.");
            return ExitCodes.VerificationFailed;
        }
        stdout.WriteLine($"Export verified: complete and signed by the server. Archive: {directory} (start with samenvatting.txt).");
        return ExitCodes.Ok;
    }

    private sealed record ExportJson(Guid FamilyId, string Directory, bool Verified, string? VerificationFailure,
        IReadOnlyDictionary<string, long> Counts, long MessagesDecrypted, long MessagesNotDecrypted, int DocumentsWritten,
        int DocumentsNotWritten, long Issues);
}
