using System.Text;
using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault demo` against the server as the README starts it (every default), with the admin invitation it printed and
/// nothing else: it must complete, and none of the content it printed (in “curly quotes”) may appear in any file of
/// the server's data directory or in what the server logged.
/// </summary>
public sealed partial class CliDemoTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-demo", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => server = await ServerProcess.StartAsInTheReadmeAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_FreshServerFromTheReadme_CompletesAndNoPrintedPlaintextReachesTheServer()
    {
        var work = Path.Combine(root, "work");
        var demo = await Cli.RunAsync(Path.Combine(root, "home"), ["demo", "--server", server.Url, "--invite", server.AdminInvitation, "--work", work]);

        Assert.True(demo.Code == 0, $"vault demo exited {demo.Code}:\n{demo.Out}\n{demo.Err}");
        Assert.Contains("Demo complete: all", demo.Out);
        var plaintexts = Quoted().Matches(demo.Out).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("Welkom! Fijn dat jullie ons willen helpen. Dinsdag om tien uur bij ons thuis?", plaintexts);
        Assert.Contains("verslag-week-1-6.txt", plaintexts);
        Assert.Contains("Verslag van krachtgezin De Vries over week 1 tot en met 6", plaintexts);
        Assert.True(plaintexts.Count >= 10, string.Join('\n', plaintexts));

        var files = Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(path => (path, bytes: File.ReadAllBytes(path))).ToList();
        files.Add(("the server's log", Encoding.UTF8.GetBytes(server.Log)));
        // The scan must be able to find things: the family's case reference is metadata the server keeps on purpose.
        Assert.Contains(files, f => f.bytes.AsSpan().IndexOf("KG-2026-DEMO"u8) >= 0);
        Assert.Contains(files, f => f.path.EndsWith(".db", StringComparison.Ordinal));
        foreach (var plaintext in plaintexts)
        {
            var needle = Encoding.UTF8.GetBytes(plaintext);
            var found = files.Where(f => f.bytes.AsSpan().IndexOf(needle) >= 0).Select(f => f.path).ToList();
            Assert.True(found.Count == 0, $"“{plaintext}” is readable in {string.Join(", ", found)}");
        }
        // What the demo left for the person running it: each person's device as a CLI profile, the export, the receipt.
        Assert.True(File.Exists(Path.Combine(work, "people", "moeder.bakker", "profile.json")));
        Assert.True(File.Exists(Path.Combine(work, "export", "samenvatting.txt")));
        var moeder = Path.Combine(work, "people", "moeder.bakker");
        var receipt = Assert.Single(Directory.GetFiles(Path.Combine(moeder, "receipts")));
        var offline = new NoServer();
        var verified = await Cli.RunAsync(moeder, ["receipt", "verify", receipt], handler: offline);
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        Assert.Equal(0, offline.Requests);
        var list = await Cli.RunAsync(moeder, ["family", "list"]); // the demo's device goes on in the CLI, no login
        Assert.True(list.Code == 0, list.Err);
        Assert.Contains("KG-2026-DEMO", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_InvitationUsedUp_StopsWithExit1AndSaysWhy()
    {
        var first = await Cli.RunAsync(Path.Combine(root, "home"), ["invite", "accept", "--server", server.Url, "--code", server.AdminInvitation,
            "--username", "admin"], Cli.WithPassphrase());
        Assert.Equal(0, first.Code);

        var demo = await Cli.RunAsync(Path.Combine(root, "home2"), ["demo", "--server", server.Url, "--invite", server.AdminInvitation,
            "--work", Path.Combine(root, "work"), "--lang", "nl"]);

        Assert.Equal(1, demo.Code);
        Assert.Contains("Demo GESTOPT bij stap 1", demo.Out);
        Assert.Contains("invalid-invitation", demo.Err);
    }

    [GeneratedRegex("“([^”]+)”")]
    private static partial Regex Quoted();
}
