namespace Vault.Cli.Tests;

/// <summary>
/// The command line itself, no server: help per verb (exit 0), the CLI's own messages for wrong values (exit 2),
/// and that none of it sends a request.
/// </summary>
public sealed class CliUsageTests : IDisposable
{
    private const string SomeId = "3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c";
    private readonly string home = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private readonly NoServer server = new();

    public void Dispose()
    {
        Assert.Equal(0, server.Requests); // nothing here may reach a server
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("send", "--family --channel --text")]
    [InlineData("edit", "--family --channel --message --text")]
    [InlineData("invite accept", "--server --code --username --device --passphrase-file")]
    [InlineData("login", "--username --server --totp --device-name --passphrase-file")]
    [InlineData("passphrase change", "--totp --passphrase-file --new-passphrase-file")]
    [InlineData("family create", "--reference --gemeente --start --end")]
    [InlineData("channel retention", "--family --channel --days")]
    [InlineData("channel add-member", "--family --channel --user --purpose --permission --history")]
    [InlineData("devices revoke", "DEVICE_ID")]
    [InlineData("grant", "--family --user --scope --purpose --permission --until --subject --history")]
    [InlineData("read", "--family --channel --after --mark-read --json --lang")]
    [InlineData("listen", "--family --channel --count --json --lang")]
    [InlineData("doc upload", "--family --category --document --description --json FILE plan|verslag|beschikking|voortgang|overig")]
    [InlineData("doc list", "--family --category --trash --json")]
    [InlineData("doc download", "--family --document --version --out --force --json")]
    [InlineData("doc versions", "--family --document --json")]
    [InlineData("doc delete", "--family --document")]
    [InlineData("doc restore", "--family --document")]
    public async Task Help_OnAVerb_PrintsItsOptionsAndExamplesAndExits0(string verb, string options)
    {
        foreach (var flag in new[] { "--help", "-h" })
        {
            var help = await Run([.. verb.Split(' '), flag]);
            Assert.Equal(0, help.Code);
            Assert.Equal("", help.Err);
            Assert.Contains($"Usage:\n  vault {verb} ", help.Out, StringComparison.Ordinal);
            Assert.Contains("Examples:", help.Out, StringComparison.Ordinal);
            foreach (var option in options.Split(' '))
            {
                Assert.Contains(option, help.Out, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Help_OnEveryCommandOfTheTree_Exits0()
    {
        var verbs = 0;
        var pending = new Queue<string>([""]);
        while (pending.TryDequeue(out var command))
        {
            var help = await Run([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);
            Assert.True(help.Code == 0, $"vault {command} --help exited {help.Code}: {help.Err}");
            var subcommands = Subcommands(help.Out);
            foreach (var sub in subcommands)
            {
                pending.Enqueue($"{command} {sub}".Trim());
            }
            verbs += subcommands.Count == 0 ? 1 : 0;
        }
        Assert.True(verbs >= 34, $"only {verbs} verbs found"); // the 33 verbs the README documents, and passphrase change
    }

    [Fact]
    public async Task Vault_NoArguments_ListsTheCommandsAndExits2()
    {
        var result = await Run([]);
        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Out);
        Assert.Contains("usage: vault", result.Err, StringComparison.Ordinal);
        Assert.Superset(new HashSet<string> { "invite", "login", "passphrase", "family", "channel", "send", "read", "audit" },
            Subcommands(result.Err).ToHashSet());
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("family frobnicate")]
    public async Task Cli_UnknownCommand_NamesItAndExits2(string command)
    {
        var result = await Run(command.Split(' '));
        Assert.Equal(2, result.Code);
        Assert.Contains("'frobnicate' is not a command", result.Err, StringComparison.Ordinal);
        Assert.Contains("usage: vault", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--family expects a name or an id like", "send", "--family", "01-11-2026", "--channel", SomeId)]
    [InlineData("--channel expects a name or an id like", "read", "--family", SomeId, "--channel", "3f2b1c4e-9a7d")]
    [InlineData("--user expects a name or an id like", "channel", "add-member", "--family", SomeId, "--channel", SomeId, "--user", "3f2b1c4e-", "--purpose", "x")]
    [InlineData("DEVICE_ID expects an id like", "devices", "revoke", "phone")]
    [InlineData("--members expects USER_ID[:read|write]", "channel", "create", "--family", SomeId, "--name", "a", "--purpose", "b", "--members", SomeId + ":admin")]
    public async Task BadId_NamesTheOptionAndTheFormat_Exits2(string message, params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Guid", result.Err, StringComparison.Ordinal); // never .NET's "Unrecognized Guid format."
        Assert.Contains($"`vault {args[0]}", result.Err, StringComparison.Ordinal); // where to look next: that verb's --help
    }

    [Theory]
    [InlineData("--start expects a date as YYYY-MM-DD", "family", "create", "--reference", "KG-1", "--gemeente", "GM0363", "--start", "01-11-2026")]
    [InlineData("--born expects a date as YYYY-MM-DD", "family", "invite", "--family", SomeId, "--role", "child", "--born", "2012-13-01")]
    [InlineData("--until expects a date as YYYY-MM-DD", "grant", "--family", SomeId, "--user", SomeId, "--scope", "progress", "--purpose", "x", "--until", "morgen")]
    public async Task BadDate_NamesTheOptionAndTheFormat_Exits2(string message, params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("DateOnly", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--count expects a whole number of at least 1", "listen", "--count", "abc")]
    [InlineData("--hours expects a whole number of at least 1", "invite", "create", "--role", "wijkcoach", "--hours", "-5")]
    [InlineData("--after expects a whole number of at least 0", "read", "--family", SomeId, "--channel", SomeId, "--after", "x")]
    [InlineData("--days expects a number of days (1 or more) or 'none'", "channel", "retention", "--family", SomeId, "--channel", SomeId, "--days", "0")]
    [InlineData("--permission expects read or write", "channel", "add-member", "--family", SomeId, "--channel", SomeId, "--user", SomeId, "--purpose", "x", "--permission", "admin")]
    [InlineData("--role expects one of guardian, krachtgezin, wijkcoach, gemeente, coordinator, network, child, privacy-officer, admin; 'ouder' is none", "invite", "create", "--role", "ouder")]
    [InlineData("--role expects one of guardian, child, krachtgezin, wijkcoach, gemeente, coordinator, network; 'admin' is none", "family", "invite", "--family", SomeId, "--role", "admin")]
    [InlineData("--server expects an address like https://vault.example.nl", "invite", "accept", "--server", "vault.example.nl", "--code", "C", "--username", "u")]
    [InlineData("Option '--family' is required", "send", "--channel", SomeId, "--text", "hallo")]
    [InlineData("--category expects one of plan, verslag, beschikking, voortgang, overig; 'verslagen' is none of them", "doc", "list", "--family", SomeId, "--category", "verslagen")]
    [InlineData("--version expects a whole number of at least 1", "doc", "download", "--family", SomeId, "--document", SomeId, "--version", "0", "--out", "x")]
    public async Task BadOrMissingValue_NamesTheOption_Exits2(string message, params string[] args)
    {
        var result = await Run(args);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocGroup_Help_ListsTheCategories()
    {
        var help = await Run(["doc", "--help"]);
        Assert.Equal(0, help.Code);
        Assert.Contains("Categories: plan, verslag, beschikking, voortgang, overig", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocDownload_OutExists_RefusedBeforeAnythingIsFetchedAndTheFileKept()
    {
        Directory.CreateDirectory(home);
        var existing = Path.Combine(home, "verslag.pdf");
        await File.WriteAllTextAsync(existing, "eigen aantekeningen");
        var result = await Run(["doc", "download", "--family", SomeId, "--document", SomeId, "--out", existing]);
        Assert.Equal(1, result.Code);
        Assert.Contains("exists: nothing was downloaded. Give another --out, or add --force to replace it.", result.Err, StringComparison.Ordinal);
        Assert.Equal("eigen aantekeningen", await File.ReadAllTextAsync(existing));

        var folder = await Run(["doc", "download", "--family", SomeId, "--document", SomeId, "--out", home]);
        Assert.Equal(2, folder.Code);
        Assert.Contains("is a folder: give the path of the file to write", folder.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocUpload_NoSuchFile_RefusedBeforeAnythingIsSent()
    {
        var result = await Run(["doc", "upload", "--family", SomeId, "--category", "plan", Path.Combine(home, "plan.pdf")]);
        Assert.Equal(1, result.Code);
        Assert.Contains("plan.pdf: nothing was sent.", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Argument_StartingWithAt_StaysAsTypedNotAFilesContents()
    {
        // System.CommandLine expands @file tokens by default: "--text @moeder" would have sent the file moeder.
        var file = Path.Combine(Path.GetTempPath(), $"vault-at-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "from-the-file");
        try
        {
            var result = await Run(["delete", "--family", SomeId, "--channel", SomeId, "--message", "@" + file]);
            Assert.Equal(2, result.Code);
            Assert.Contains($"'@{file}' is not one", result.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("from-the-file", result.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private Task<CliResult> Run(string[] args) => Cli.RunAsync(home, args, handler: server);

    /// <summary>The names in a help text's "Commands:" section.</summary>
    private static List<string> Subcommands(string help) =>
        help.Split('\n').SkipWhile(l => l.TrimEnd() != "Commands:").Skip(1).TakeWhile(l => l.Trim().Length > 0)
            .Select(l => l.Trim().Split(' ')[0]).ToList();
}
