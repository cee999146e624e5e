using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>The repository these tests were built from: its root, and README's walk-through block.</summary>
internal static partial class Repository
{
    public static string Root { get; } = Find();

    /// <summary>The text between README's walkthrough markers; empty when there is none.</summary>
    public static string Walkthrough() =>
        WalkthroughBlock().Match(File.ReadAllText(Path.Combine(Root, "README.md"))).Groups[1].Value;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Vault.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("<!-- walkthrough:start -->(.*?)<!-- walkthrough:end -->", RegexOptions.Singleline)]
    private static partial Regex WalkthroughBlock();
}
