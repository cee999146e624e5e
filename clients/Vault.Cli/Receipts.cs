using System.Text.Json;
using Vault.Client;
using Vault.Contracts.Consent;
using Vault.Contracts.Export;

namespace Vault.Cli;

/// <summary>Signed receipts kept as files (`vault withdraw`, `vault channel remove-member`, `vault dsr erase`), and `vault receipt verify`.</summary>
internal sealed partial class Context
{
    /// <summary>
    /// Saves what the server signed, with the audit key the SDK just checked it against (pinned in the profile too), to
    /// <paramref name="path"/> or the profile's receipts directory; returns where.
    /// </summary>
    private string KeepReceipt(VaultClient client, SignedReceipt signed, string name, string? path)
    {
        var auditKey = client.Session!.AuditKey ?? throw new InvalidOperationException("The SDK verified the receipt with a pinned key.");
        var p = Stored();
        if (p.AuditKey is null)
        {
            (p with { AuditKey = auditKey }).Save(home); // pinned, like `vault audit verify` does
        }
        return ReceiptFile.From(signed, auditKey, p.Server).Save(path ?? Path.Combine(home, "receipts", name + ".json"));
    }

    /// <summary>
    /// Offline: no request is made. Exit 3 names what failed; a receipt verified only with the key it names itself (no
    /// audit key pinned in this profile) says so.
    /// </summary>
    public async Task<int> ReceiptVerify(string path, bool json)
    {
        if (Directory.Exists(path))
        {
            return await ExportVerify(path, json);
        }
        if (!File.Exists(path))
        {
            throw new CliException($"{path} does not exist.", hint: "Receipts are saved under the profile's receipts directory; the command that received one printed its path.");
        }
        var pinned = Profile.Load(home)?.AuditKey;
        var result = ReceiptFile.Verify(await File.ReadAllTextAsync(path), pinned);
        if (json)
        {
            WriteJson(new VerifyJson(result.Failure is null, result.Failure, result.File?.Kind, result.File?.Server, result.File?.SignedWithKeyId,
                result.AgainstPinnedKey, result.File?.Statement));
            return result.Failure is null ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }
        if (result is not { Failure: null, File: { } file })
        {
            throw new CliException($"Receipt verification FAILED: {result.Failure}.", ExitCodes.VerificationFailed,
                "Do not rely on this file. If you did not change it yourself, ask for the receipt again or tell the server's administrator.");
        }
        stdout.WriteLine(result.AgainstPinnedKey
            ? $"Receipt verified: signed by the server's audit key {file.SignedWithKeyId}, the key pinned in profile {Profiles.CurrentName}."
            : $"Signature valid for key {file.SignedWithKeyId}, the key named in the file; this profile has no audit key pinned to " +
              "compare it with (`vault audit verify` pins it): check that key id with the server's administrator.");
        stdout.WriteLine($"It states ({file.Kind}, from {file.Server}):");
        foreach (var line in file.Describe())
        {
            stdout.WriteLine("  " + line);
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// An export archive: its package.ndjson, as received, must be complete and end in a summary signed by the audit key
    /// pinned in this profile (the package names no key of its own, so one must be pinned).
    /// </summary>
    private async Task<int> ExportVerify(string directory, bool json)
    {
        var package = Path.Combine(directory, "package.ndjson");
        if (!File.Exists(package))
        {
            throw new CliException($"{directory} is a directory without package.ndjson: not an export archive made by `vault dsr export`.");
        }
        var pinned = Profile.Load(home)?.AuditKey ?? throw new CliException(
            "An export is checked against the server's audit key pinned in the profile, and this profile has none.",
            hint: "Use the profile that made the export (--profile NAME), or pin the key with `vault audit verify`.");
        var stated = StatedSummary(package);
        string? failure;
        if (stated is null)
        {
            failure = "the package does not end in a summary";
        }
        else
        {
            await using var stream = File.OpenRead(package);
            failure = await ExportVerifier.CheckAsync(stream, pinned, stated.FamilyId, stated.RequesterUserId);
        }
        if (json)
        {
            WriteJson(new VerifyJson(failure is null, failure, ExportParts.SummaryType, null, ReceiptFile.KeyId(pinned), true,
                failure is null ? JsonSerializer.SerializeToElement(stated) : null));
            return failure is null ? ExitCodes.Ok : ExitCodes.VerificationFailed;
        }
        if (failure is not null || stated is null)
        {
            throw new CliException($"Export verification FAILED: {failure}.", ExitCodes.VerificationFailed,
                "Do not rely on this archive as complete or unaltered: make the export again with `vault dsr export`.");
        }
        stdout.WriteLine($"Export verified: package.ndjson is complete and its summary is signed by the server's audit key " +
            $"{ReceiptFile.KeyId(pinned)}, the key pinned in profile {Profiles.CurrentName}.");
        stdout.WriteLine($"It states: family {stated.FamilyId}, exported for user {stated.RequesterUserId} at {stated.CreatedAt:yyyy-MM-dd HH:mm} UTC:");
        foreach (var part in stated.Parts)
        {
            stdout.WriteLine($"  {part.Part,-18} {part.Count,8}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>What the package's last line says (not yet verified: <see cref="ExportVerifier"/> checks it and the rest).</summary>
    private static ExportSummary? StatedSummary(string package)
    {
        try
        {
            var last = File.ReadLines(package).LastOrDefault(l => l.Length > 0);
            return last is not null && JsonSerializer.Deserialize<ExportLine<SignedReceipt>>(last, ReceiptJson) is
            { Part: ExportParts.Summary, Data.Receipt: { } receipt }
                ? JsonSerializer.Deserialize<ExportSummary>(receipt, ReceiptJson)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions ReceiptJson = new(JsonSerializerDefaults.Web);

    private sealed record VerifyJson(bool Verified, string? Failure, string? Kind, string? Server, string? KeyId, bool AgainstPinnedKey,
        JsonElement? Statement);
}
