using System.CommandLine;

namespace Vault.Cli.Tests;

/// <summary>The command tree itself, no server: --json wherever a verb prints data, --lang everywhere.</summary>
public sealed class CliJsonContractTests
{
    /// <summary>
    /// Verbs that print no data: each says in one sentence that what the caller asked (about ids the caller gave) is done,
    /// and its exit code says the same to a script. Every other verb prints something a script may need (an id, a code,
    /// a list, a receipt), so it has --json. Keep this list short; a new verb that prints data needs --json instead.
    /// </summary>
    private static readonly HashSet<string> PrintNoData =
    [
        "passphrase change", "devices revoke", "channel archive", "channel retention", "doc delete", "doc restore", "dsr lift", "dsr hold",
        "logout", // forgets this device's tokens and says so
        "demo", // a story for a person to read; what it made is in its work directory
    ];

    [Fact]
    public void Verbs_EveryVerbThatPrintsData_HasJson()
    {
        var verbs = VerbsOf(Root(), "").ToList();
        Assert.True(verbs.Count >= 34, $"only {verbs.Count} verbs found");

        var missing = verbs.Where(v => !PrintNoData.Contains(v.Path) && v.Verb.Options.All(o => o.Name != "--json")).Select(v => v.Path);

        Assert.Empty(missing);
        Assert.Subset(verbs.Select(v => v.Path).ToHashSet(), PrintNoData); // the list names real verbs, none that went away
    }

    [Fact]
    public async Task Lang_NotNlOrEn_Exit2BeforeAnythingIsSent()
    {
        var server = new NoServer();
        var result = await Cli.RunAsync(Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N")),
            ["family", "list", "--lang", "de"], handler: server);
        Assert.Equal(2, result.Code);
        Assert.Contains("--lang expects nl or en; 'de' is neither.", result.Err, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Theory]
    [InlineData(null, null, "nl_NL.UTF-8", "nl")]
    [InlineData(null, "nl_BE.UTF-8", "en_US.UTF-8", "nl")]
    [InlineData("C.UTF-8", null, "nl_NL.UTF-8", "en")]
    [InlineData(null, null, "de_DE.UTF-8", "en")]
    [InlineData(null, null, null, "en")]
    public void DefaultLanguage_FollowsThePosixLocale_DutchOrElseEnglish(string? all, string? messages, string? lang, string expected)
    {
        var env = new Dictionary<string, string?> { ["LC_ALL"] = all, ["LC_MESSAGES"] = messages, ["LANG"] = lang };
        Assert.Equal(expected, Output.DefaultLanguage(env.GetValueOrDefault));
    }

    [Fact]
    public async Task Lang_NotGiven_DefaultsToTheSystemsLanguage()
    {
        var home = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
        var dutch = await Cli.RunAsync(home, ["family", "list", "--help"], new Dictionary<string, string> { ["LANG"] = "nl_NL.UTF-8" });
        Assert.Contains("[default: nl]", dutch.Out, StringComparison.Ordinal);
        Assert.Contains("[default: en]", (await Cli.RunAsync(home, ["family", "list", "--help"])).Out, StringComparison.Ordinal);
    }

    private static RootCommand Root() =>
        Verbs.Root(new Context(Path.GetTempPath(), new StringWriter(), new StringWriter(), new StringReader(""), _ => null, null, null, null)
        {
            Profiles = Profiles.Select(Path.GetTempPath(), null),
        });

    private static IEnumerable<(string Path, Command Verb)> VerbsOf(Command command, string path)
    {
        foreach (var sub in command.Subcommands)
        {
            var at = $"{path} {sub.Name}".Trim();
            if (sub.Subcommands.Count == 0)
            {
                yield return (at, sub);
            }
            foreach (var verb in VerbsOf(sub, at))
            {
                yield return verb;
            }
        }
    }
}
