using Vault.Client;
using Vault.Contracts.Consent;

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

    private sealed record VerifyJson(bool Verified, string? Failure, string? Kind, string? Server, string? KeyId, bool AgainstPinnedKey,
        System.Text.Json.JsonElement? Statement);
}
