using System.CommandLine;
using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// Guards that walk the command tree, so a new verb is checked without anyone remembering: each has examples in its
/// help, and each is run by some test against the real server (a test class other than the server-less usage tests,
/// or the README walk-through, which a test runs as written).
/// </summary>
public sealed partial class CliCoverageTests
{
    [Fact]
    public void EveryVerb_HasHelpWithAnExample()
    {
        var missing = Verbs().Where(v => v.Verb.Examples.Count == 0 || string.IsNullOrWhiteSpace(v.Verb.Description)).Select(v => v.Path).ToList();
        Assert.True(missing.Count == 0, "verbs without a description or an example: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryVerb_IsRunByATestAgainstTheRealServer()
    {
        var tests = Path.Combine(Repository.Root, "tests", "Vault.Cli.Tests");
        var sources = Directory.EnumerateFiles(tests, "*.cs")
            .Where(f => Path.GetFileName(f) is not ("CliUsageTests.cs" or "CliCoverageTests.cs"))
            .Select(File.ReadAllText).ToList();
        var walkthrough = Repository.Walkthrough();

        var untested = Verbs().Where(v =>
        {
            var words = v.Path.Split(' ');
            var call = new Regex(string.Join(@",\s*", words.Select(w => $"\"{Regex.Escape(w)}\"")) + @"[,\]\)]");
            var line = new Regex(@"(^|\$\(|\| )vault " + Regex.Escape(v.Path) + @"( |$)", RegexOptions.Multiline);
            return !sources.Any(call.IsMatch) && !line.IsMatch(walkthrough);
        }).Select(v => v.Path).ToList();

        Assert.True(untested.Count == 0, "verbs no test runs against a server: " + string.Join(", ", untested));
    }

    private static List<(string Path, Verb Verb)> Verbs()
    {
        var context = new Context(Path.GetTempPath(), TextWriter.Null, TextWriter.Null, TextReader.Null, _ => null, null, null, null)
        {
            Profiles = Profiles.Select(Path.GetTempPath(), null),
        };
        var found = new List<(string, Verb)>();
        var pending = new Queue<(string Path, Command Command)>(Vault.Cli.Verbs.Root(context).Subcommands.Select(c => (c.Name, c)));
        while (pending.TryDequeue(out var item))
        {
            if (item.Command is Verb verb)
            {
                found.Add((item.Path, verb));
            }
            foreach (var sub in item.Command.Subcommands)
            {
                pending.Enqueue(($"{item.Path} {sub.Name}", sub));
            }
        }
        Assert.True(found.Count >= 34, $"only {found.Count} verbs found");
        return found;
    }
}
