using System.Text.Json;
using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault dsr ...` and `vault privacy requests` against the real server binary: a guardian files requests and reads
/// their outcome; the privacy officer works the queue, restricts, meets a legal hold, and erases, saving the receipt.
/// </summary>
public sealed class CliDataSubjectTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string coordinator = "", guardian = "", officer = "", familyId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        var admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        officer = await AccountAsync("functionaris", Last((await Ok(admin, "invite", "create", "--role", "privacy-officer")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-9", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        guardian = await AccountAsync("moeder.bakker",
            Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out));
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Dsr_FileWorkAndErase_RequesterSeesOutcomesAndTheReceiptIsSaved()
    {
        var access = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "access"),
            @"Request ([0-9a-f-]{36}) \(access\) received; it is due \d{4}-\d\d-\d\d");
        var queue = await Ok(officer, "privacy", "requests", "--json");
        Assert.Contains(JsonDocument.Parse(queue.Out).RootElement.EnumerateArray(), r => r.GetProperty("id").GetString() == access);
        await Ok(officer, "dsr", "extend", "--request", access, "--reason", "veel stukken");
        await Ok(officer, "dsr", "complete", "--request", access, "--reason", "export verstrekt");
        Assert.Contains("export verstrekt", (await Ok(guardian, "dsr", "list", "--family", familyId)).Out, StringComparison.Ordinal);

        var erasure = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "erasure"), "Request ([0-9a-f-]{36})");
        await Ok(officer, "dsr", "hold", "--family", familyId, "--ground", "Jeugdwet art. 7.3.8", "--until", "2046-06-01");
        var held = await Run(officer, ["dsr", "erase", "--request", erasure]);
        Assert.Equal(1, held.Code);
        Assert.Contains("Jeugdwet art. 7.3.8", held.Err, StringComparison.Ordinal);
        Assert.Contains("refused", (await Ok(guardian, "dsr", "list", "--family", familyId)).Out, StringComparison.Ordinal);

        await Ok(officer, "dsr", "hold", "--family", familyId, "--release");
        var again = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "erasure"), "Request ([0-9a-f-]{36})");
        var receiptFile = Path.Combine(root, "ontvangstbewijs.json");
        var erased = await Ok(officer, "dsr", "erase", "--request", again, "--receipt", receiptFile);
        Assert.Contains($"Family {familyId} erased", erased.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^PART +COUNT +SHA-256$", erased.Out);
        Assert.Matches(@"(?m)^memberships\s+2\s+[0-9a-f]{64}$", erased.Out);
        using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(receiptFile));
        Assert.Equal(64, saved.RootElement.GetProperty("signature").GetBytesFromBase64().Length);
        Assert.Contains("done", (await Ok(officer, "dsr", "status", "--request", again)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dsr_StartRectifyRefuse_RequesterReadsEachOutcome()
    {
        var rectification = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "rectification",
            "--details", "mijn e-mailadres is veranderd"), "Request ([0-9a-f-]{36})");
        await Ok(officer, "dsr", "start", "--request", rectification);
        Assert.Contains("in-progress", (await Ok(officer, "dsr", "status", "--request", rectification)).Out, StringComparison.Ordinal);
        using var profile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(guardian, "profile.json")));
        var guardianId = profile.RootElement.GetProperty("userId").GetString()!;
        await Ok(officer, "dsr", "rectify", "--request", rectification, "--user", guardianId, "--email", "moeder.bakker@example.nl");

        var portability = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "portability"), "Request ([0-9a-f-]{36})");
        await Ok(officer, "dsr", "refuse", "--request", portability, "--reason", "al verstrekt op 2 november");

        var list = (await Ok(guardian, "dsr", "list", "--family", familyId)).Out;
        Assert.Contains("al verstrekt op 2 november", list, StringComparison.Ordinal);
        Assert.Contains("rectification", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dsr_Restricted_WritesRefusedWithAHintUntilLifted()
    {
        var restriction = Match(await Ok(guardian, "dsr", "request", "--family", familyId, "--kind", "restriction"), "Request ([0-9a-f-]{36})");
        await Ok(officer, "dsr", "restrict", "--request", restriction);
        var refused = await Run(coordinator, ["family", "invite", "--family", familyId, "--role", "network"]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("restricted", refused.Err, StringComparison.Ordinal);
        await Ok(officer, "dsr", "lift", "--family", familyId, "--reason", "bezwaar afgehandeld");
        await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "network");
    }

    private async Task<string> AccountAsync(string username, string code)
    {
        var home = Path.Combine(root, username);
        var accepted = await Ok(home, "invite", "accept", "--server", server.Url, "--code", code, "--username", username);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await Ok(home, secret.Length > 0 ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp()] : ["login"]);
        return home;
    }

    private static string Last(string output) => output.Trim().Split('\n')[^1].Trim();

    private static string Match(CliResult result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out + result.Err);

    private static async Task<CliResult> Ok(string home, params string[] args)
    {
        var result = await Run(home, args);
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }

    private static Task<CliResult> Run(string home, string[] args) => Cli.RunAsync(home, args, Cli.WithPassphrase());
}
