using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sodium;

namespace Vault.Cli.Tests;

/// <summary>
/// Receipts the server signs, kept as files by the CLI and verified with `vault receipt verify` with no server at all
/// (a handler that refuses every request): a withdrawal, a channel member removed; then one byte changed, a readable
/// copy that says otherwise, and a file signed by another key, each exit 3 naming what failed.
/// </summary>
public sealed class CliReceiptTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Withdraw_ReceiptSaved_VerifiesOfflineAndOneChangedByteExits3()
    {
        var (guardian, familyId, coordinatorId, _) = await Lifecycle.FamilyWithChannelAsync(server, "rc1");
        var granted = await AdminServer.Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope", "documents:verslag",
            "--purpose", "verslagen lezen");
        var grantId = Regex.Match(granted.Out, "Grant ([0-9a-f-]{36})").Groups[1].Value;

        var withdrawn = await AdminServer.Ok(guardian, "withdraw", "--family", familyId, "--grant", grantId, "--reason", "traject afgerond");
        var file = Path.Combine(guardian, "receipts", $"withdrawal-{grantId}.json");
        Assert.Contains($"Receipt saved with its signature: {file}", withdrawn.Out, StringComparison.Ordinal);
        Assert.Contains($"Next: `vault receipt verify {file}`", withdrawn.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(file)!));

        var offline = new NoServer();
        var verified = await Cli.RunAsync(guardian, ["receipt", "verify", file], handler: offline);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains("Receipt verified: signed by the server's audit key", verified.Out, StringComparison.Ordinal);
        Assert.Contains($"Grant {grantId} on documents:verslag in family {familyId} was withdrawn", verified.Out, StringComparison.Ordinal);
        Assert.Equal(0, offline.Requests);

        // One byte of the signed receipt changed (a base64 digit in its middle): the signature no longer verifies.
        var text = await File.ReadAllTextAsync(file);
        var payload = Regex.Match(text, "\"receipt\": \"([A-Za-z0-9+/=]+)\"").Groups[1];
        var at = payload.Index + payload.Length / 2;
        var tampered = Path.Combine(guardian, "tampered.json");
        await File.WriteAllTextAsync(tampered, text[..at] + (text[at] == 'A' ? 'B' : 'A') + text[(at + 1)..]);
        var failed = await Cli.RunAsync(guardian, ["receipt", "verify", tampered], handler: offline);
        Assert.Equal(ExitCodes.VerificationFailed, failed.Code);
        Assert.Contains("Receipt verification FAILED: the signature does not verify", failed.Err, StringComparison.Ordinal);
        Assert.Equal(0, offline.Requests);

        var json = await Cli.RunAsync(guardian, ["receipt", "verify", tampered, "--json"], handler: offline);
        Assert.Equal(ExitCodes.VerificationFailed, json.Code);
        Assert.False(JsonDocument.Parse(json.Out).RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task ReceiptVerify_ReadableCopyAlteredOrOtherKey_Exits3NamingIt()
    {
        var (guardian, familyId, coordinatorId, _) = await Lifecycle.FamilyWithChannelAsync(server, "rc2");
        var grantId = Regex.Match((await AdminServer.Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope",
            "documents:plan", "--purpose", "plan lezen")).Out, "Grant ([0-9a-f-]{36})").Groups[1].Value;
        var file = Path.Combine(guardian, "intrekking.json");
        await AdminServer.Ok(guardian, "withdraw", "--family", familyId, "--grant", grantId, "--receipt-out", file);
        var offline = new NoServer();
        Assert.Equal(0, (await Cli.RunAsync(guardian, ["receipt", "verify", file], handler: offline)).Code);

        // The readable copy claims other access counts than the server signed.
        var node = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        node["statement"]!["accessedCount"] = node["statement"]!["accessedCount"]!.GetValue<long>() + 7;
        var altered = Path.Combine(guardian, "altered.json");
        await File.WriteAllTextAsync(altered, node.ToJsonString());
        var copy = await Cli.RunAsync(guardian, ["receipt", "verify", altered], handler: offline);
        Assert.Equal(ExitCodes.VerificationFailed, copy.Code);
        Assert.Contains("the readable statement in the file differs from what the server signed", copy.Err, StringComparison.Ordinal);

        // The same statement signed properly, but by a key of someone else's: not the audit key this profile pinned.
        var other = PublicKeyAuth.GenerateKeyPair();
        var forged = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        var bytes = Convert.FromBase64String(forged["receipt"]!.GetValue<string>());
        forged["signature"] = Convert.ToBase64String(PublicKeyAuth.SignDetached([.. "vault.receipt.v1"u8, .. bytes], other.PrivateKey));
        forged["signedWith"] = Convert.ToBase64String(other.PublicKey);
        var forgedFile = Path.Combine(guardian, "forged.json");
        await File.WriteAllTextAsync(forgedFile, forged.ToJsonString());
        var foreign = await Cli.RunAsync(guardian, ["receipt", "verify", forgedFile], handler: offline);
        Assert.Equal(ExitCodes.VerificationFailed, foreign.Code);
        Assert.Contains("not the server's audit key pinned in this profile", foreign.Err, StringComparison.Ordinal);

        // Where no audit key is pinned (another machine), the signature still checks, and the output says against what.
        var elsewhere = Path.Combine(server.Root, "rc2-elsewhere");
        Directory.CreateDirectory(elsewhere);
        var unpinned = await Cli.RunAsync(elsewhere, ["receipt", "verify", file], handler: offline);
        Assert.Equal(0, unpinned.Code);
        Assert.Contains("the key named in the file; this profile has no audit key pinned", unpinned.Out, StringComparison.Ordinal);
        Assert.Equal(0, offline.Requests);
    }

    [Fact]
    public async Task ChannelRemoveMember_SavesEachReceipt_WhichVerifies()
    {
        var (guardian, familyId, coordinatorId, channelId) = await Lifecycle.FamilyWithChannelAsync(server, "rc3");
        var removed = await AdminServer.Ok(guardian, "channel", "remove-member", "--family", familyId, "--channel", channelId,
            "--user", coordinatorId);
        var file = Regex.Match(removed.Out, "Signed receipt: (\\S+\\.json)").Groups[1].Value;
        Assert.StartsWith(Path.Combine(guardian, "receipts", "withdrawal-"), file, StringComparison.Ordinal);
        var verified = await Cli.RunAsync(guardian, ["receipt", "verify", file], handler: new NoServer());
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains($"on channel:{channelId}", verified.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DsrErase_ReceiptSavedInTheProfile_VerifiesOfflineWithWhatWasDestroyed()
    {
        var (guardian, familyId, _, _) = await Lifecycle.FamilyWithChannelAsync(server, "rc4");
        var officer = Path.Combine(server.Root, "rc4-officer");
        await Lifecycle.AccountAsync(server.Url, officer, await server.InvitationAsync("privacy-officer"), "rc4.officer");
        var request = Lifecycle.Match(await AdminServer.Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "erasure"),
            "Request ([0-9a-f-]{36})");
        var erased = await AdminServer.Ok(officer, "dsr", "erase", "--request", request);
        var file = Path.Combine(officer, "receipts", $"erasure-{request}.json");
        Assert.Contains($"is in {file}", erased.Out, StringComparison.Ordinal);
        Assert.Contains($"Next: `vault receipt verify {file}`", erased.Out, StringComparison.Ordinal);

        var offline = new NoServer();
        var verified = await Cli.RunAsync(officer, ["receipt", "verify", file, "--json"], handler: offline);
        Assert.True(verified.Code == 0, verified.Err);
        var json = JsonDocument.Parse(verified.Out).RootElement;
        Assert.True(json.GetProperty("verified").GetBoolean());
        Assert.True(json.GetProperty("againstPinnedKey").GetBoolean());
        Assert.Equal("vault.erasure.v1", json.GetProperty("kind").GetString());
        Assert.Equal(familyId, json.GetProperty("statement").GetProperty("familyId").GetString());
        Assert.Equal(0, offline.Requests);
    }

    [Fact]
    public async Task ReceiptVerify_ExportArchive_VerifiesOfflineAndAChangedByteExits3()
    {
        var (guardian, familyId, _, channelId) = await Lifecycle.FamilyWithChannelAsync(server, "rc5");
        await AdminServer.Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Dinsdag om tien uur?");
        var archive = Path.Combine(server.Root, "rc5-export");
        await AdminServer.Ok(guardian, "dsr", "export", "--family", familyId, "--out", archive);

        var offline = new NoServer();
        var verified = await Cli.RunAsync(guardian, ["receipt", "verify", archive], handler: offline);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains("Export verified: package.ndjson is complete and its summary is signed by the server's audit key", verified.Out,
            StringComparison.Ordinal);
        Assert.Contains($"It states: family {familyId}", verified.Out, StringComparison.Ordinal);

        // One byte of a message line changed (its ciphertext, base64): the part's hash no longer matches the signed summary.
        var package = Path.Combine(archive, "package.ndjson");
        var lines = await File.ReadAllLinesAsync(package);
        var message = Array.FindIndex(lines, l => l.StartsWith("{\"part\":\"messages\"", StringComparison.Ordinal));
        Assert.True(message >= 0, lines[0]);
        var at = lines[message].Length / 2;
        lines[message] = lines[message][..at] + (lines[message][at] == 'A' ? 'B' : 'A') + lines[message][(at + 1)..];
        await File.WriteAllLinesAsync(package, lines);
        var failed = await Cli.RunAsync(guardian, ["receipt", "verify", archive], handler: offline);
        Assert.Equal(ExitCodes.VerificationFailed, failed.Code);
        Assert.Contains("Export verification FAILED:", failed.Err, StringComparison.Ordinal);
        Assert.Equal(0, offline.Requests);
    }
}
