using System.Text.Json;
using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault dsr export` end to end against the real server binary: a guardian exports the family into a directory that
/// holds the verified package and the decrypted messages and documents; a coordinator is refused with what to do next.
/// </summary>
public sealed class CliExportTests : IAsyncLifetime
{
    private const string Passphrase = "lange zin met spaties en cijfers 42";
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string coordinator = "", guardian = "", familyId = "";
    private byte[] document = [];

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        var admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-8", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        guardian = await AccountAsync("moeder.bakker",
            Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out));
        var coordinatorId = Regex.Match((await Ok(guardian, "family", "members", "--family", familyId)).Out,
            @"([0-9a-f-]{36})\s+coordinator\.jansen").Groups[1].Value;
        var channelId = Match(await Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking",
            "--purpose", "kennismaking en begeleiding", "--members", coordinatorId), "Channel ([0-9a-f-]{36}) opened");
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Dinsdag om tien uur?");
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Prima, tot dan.");
        var file = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "files")).FullName, "gezinsplan.txt");
        document = "Ons gezinsplan voor 2027."u8.ToArray();
        await File.WriteAllBytesAsync(file, document);
        await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "plan", file);
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
    public async Task DsrExport_Guardian_WritesAVerifiedDecryptedArchive()
    {
        var output = Path.Combine(root, "export");

        var exported = await Ok(guardian, "dsr", "export", "--family", familyId, "--out", output);

        Assert.Contains("Export verified: complete and signed by the server.", exported.Out, StringComparison.Ordinal);
        Assert.Matches(@"messages\s+2\b", exported.Out);
        var channel = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(output, "channels"))));
        Assert.Contains("Dinsdag om tien uur?", channel, StringComparison.Ordinal);
        Assert.Contains("coordinator.jansen", channel, StringComparison.Ordinal);
        Assert.Equal(document, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Path.Combine(output, "documents")))));
        Assert.Contains("Controle: GESLAAGD", File.ReadAllText(Path.Combine(output, "samenvatting.txt")), StringComparison.Ordinal);

        var json = await Ok(guardian, "dsr", "export", "--family", familyId, "--out", Path.Combine(root, "export2"), "--json");
        using var result = JsonDocument.Parse(json.Out);
        Assert.True(result.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(2, result.RootElement.GetProperty("messagesDecrypted").GetInt64());
    }

    [Fact]
    public async Task DsrExport_NotAGuardianOrNonEmptyOut_RefusedWithWhatToDo()
    {
        var refused = await Run(coordinator, ["dsr", "export", "--family", familyId, "--out", Path.Combine(root, "c")]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("Only a guardian of the family can export", refused.Err, StringComparison.Ordinal);
        Assert.Contains("Ask a guardian", refused.Err, StringComparison.Ordinal);

        var occupied = Directory.CreateDirectory(Path.Combine(root, "bezet")).FullName;
        await File.WriteAllTextAsync(Path.Combine(occupied, "mijn.txt"), "eigen bestand");
        var notEmpty = await Run(guardian, ["dsr", "export", "--family", familyId, "--out", occupied]);
        Assert.Equal(1, notEmpty.Code);
        Assert.Contains("not an empty directory: nothing was exported", notEmpty.Err, StringComparison.Ordinal);
        Assert.Equal(["mijn.txt"], Directory.GetFiles(occupied).Select(Path.GetFileName));
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

    private static string Match((int Code, string Out, string Err) result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out);

    private static async Task<(int Code, string Out, string Err)> Ok(string home, params string[] args)
    {
        var result = await Run(home, args);
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }

    private static async Task<(int Code, string Out, string Err)> Run(string home, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(""),
            name => name switch { "VAULT_HOME" => home, "VAULT_PASSPHRASE" => Passphrase, _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
