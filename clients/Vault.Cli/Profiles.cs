using System.CommandLine;
using System.Text.RegularExpressions;

namespace Vault.Cli;

/// <summary>
/// Several accounts or servers on one machine: the default profile is $VAULT_HOME/profile.json (as it always was), a
/// named one $VAULT_HOME/profiles/NAME/profile.json, chosen with --profile NAME or VAULT_PROFILE. Directories are
/// created 0700 and profile files 0600: they hold device keys and tokens.
/// </summary>
internal sealed partial record Profiles(string VaultHome, string? Current)
{
    public const string Default = "default";
    public const string Variable = "VAULT_PROFILE";
    public const string OptionName = "--profile";

    /// <summary>The directory holding the current profile's profile.json (and its receipts).</summary>
    public string Home => Current is null ? VaultHome : Path.Combine(VaultHome, "profiles", Current);

    /// <summary>Shown to the user: "default" or the name.</summary>
    public string CurrentName => Current ?? Default;

    /// <summary>One directory name: letters, digits, '.', '_' and '-', never a path nor "." or "..".</summary>
    public static bool IsValidName(string name) => ValidName().IsMatch(name) && name is not "." and not "..";

    public const string NameRule = "1 to 64 letters, digits, '.', '_' or '-' (no path separators), e.g. work or gemeente-utrecht";

    /// <summary>null selects the default profile (so does "default").</summary>
    public static Profiles Select(string vaultHome, string? name) =>
        new(vaultHome, name is null || name == Default ? null
            : IsValidName(name) ? name : throw new CliException($"{Variable} is '{name}': a profile name is {NameRule}.", ExitCodes.Usage));

    /// <summary>The global, recursive --profile option.</summary>
    public static Option<string> Option() =>
        new(OptionName)
        {
            Description = $"Use the named profile (another account or server on this machine), else {Variable}, else the default " +
                          "profile in VAULT_HOME. `vault profile list` shows them.",
            HelpName = "NAME", Recursive = true,
            Validators =
            {
                r =>
                {
                    var value = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
                    if (!IsValidName(value))
                    {
                        r.AddError($"--profile expects a name of {NameRule}; '{value}' is not one.");
                    }
                },
            },
        };

    /// <summary>Every profile on this machine that holds an account: the default first, then by name.</summary>
    public IEnumerable<(string Name, string Home, Profile Profile)> All()
    {
        if (Profile.Load(VaultHome) is { } main)
        {
            yield return (Default, VaultHome, main);
        }
        var named = Path.Combine(VaultHome, "profiles");
        if (!Directory.Exists(named))
        {
            yield break;
        }
        foreach (var directory in Directory.EnumerateDirectories(named).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            if (IsValidName(name) && Profile.Load(directory) is { } p)
            {
                yield return (name, directory, p);
            }
        }
    }

    /// <summary>Creates <paramref name="path"/> (and missing parents) readable only by its owner.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // One by one: CreateDirectory applies the mode to the last directory only, the missing parents get the umask's.
        var missing = new Stack<string>();
        for (var at = Path.GetFullPath(path); !Directory.Exists(at); at = Path.GetDirectoryName(at)!)
        {
            missing.Push(at);
        }
        while (missing.TryPop(out var directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidName();
}
