using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Vault.Contracts;

namespace Vault.Cli;

/// <summary>
/// The CLI's option kinds. Every typed option parses itself and, when the value is wrong, says which option
/// expected what (and where to find a valid value): never a .NET parser's message.
/// </summary>
internal static class Opt
{
    public static Option<string> Text(string name, string description, string helpName, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An id (GUID); <paramref name="findIt"/> names the command that lists valid ones.</summary>
    public static Option<Guid?> Id(string name, string description, string findIt, bool required = true) =>
        new(name) { Description = description, HelpName = "ID", Required = required, CustomParser = r => ParseId(r, name, findIt) };

    public static Argument<Guid> IdArgument(string name, string description, string findIt) =>
        new(name) { Description = description, CustomParser = r => ParseId(r, name, findIt) ?? Guid.Empty };

    public static Option<Guid?> Family(bool required = true) =>
        Id("--family", "The family: its case reference or id.", "`vault family list` shows yours", required);

    public static Option<Guid?> Channel(bool required = true) =>
        Id("--channel", "The channel: its name or id.", "`vault channel list --family ID` shows them", required);

    public static Option<Guid?> Document(bool required = true) =>
        Id("--document", "The document's id.", "`vault doc list --family ID` shows them", required);

    /// <summary>One of the document categories (each is a consent scope of its own: documents:CATEGORY).</summary>
    public static Option<string> Category(string description, bool required) =>
        new("--category")
        {
            Description = $"{description} One of {string.Join(", ", ConsentScopes.DocumentCategories)}.",
            HelpName = string.Join('|', ConsentScopes.DocumentCategories), Required = required,
            CustomParser = r => ConsentScopes.DocumentCategories.Contains(Value(r), StringComparer.Ordinal) ? Value(r)
                : Error<string>(r, $"--category expects one of {string.Join(", ", ConsentScopes.DocumentCategories)}; '{Value(r)}' is none of them."),
        };

    /// <summary>One of <paramref name="roles"/>, all listed in the help, so nobody has to guess them.</summary>
    public static Option<string> Role(string description, IReadOnlyList<string> roles) =>
        new("--role")
        {
            Description = $"{description} One of {string.Join(", ", roles)}.", HelpName = "ROLE", Required = true,
            CustomParser = r => roles.Contains(Value(r), StringComparer.Ordinal) ? Value(r)
                : Error<string>(r, $"--role expects one of {string.Join(", ", roles)}; '{Value(r)}' is none of them."),
        };

    public static Option<bool> Json() => Flag("--json", "Print the result as JSON (for scripts); no progress bar.");

    public static Option<Guid?> User(string description) =>
        Id("--user", description + " A username or id.", "`vault family members --family ID` shows the members");

    public static Option<DateOnly?> Date(string name, string description, bool required = false) =>
        new(name)
        {
            Description = description + " As YYYY-MM-DD.", HelpName = "YYYY-MM-DD", Required = required,
            CustomParser = r => DateOnly.TryParseExact(Value(r), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d
                : Error<DateOnly?>(r, $"{name} expects a date as YYYY-MM-DD, e.g. 2026-11-01; '{Value(r)}' is not one."),
        };

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<T?> Number<T>(string name, string description, string helpName, T minimum, bool required = false)
        where T : struct, IBinaryInteger<T> =>
        new(name)
        {
            Description = description, HelpName = helpName, Required = required,
            CustomParser = r => T.TryParse(Value(r), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= minimum
                ? n
                : Error<T?>(r, $"{name} expects a whole number of at least {minimum}; '{Value(r)}' is not one."),
        };

    public static Option<string> Permission(string description) =>
        new("--permission")
        {
            Description = "read or write. " + description, HelpName = "read|write",
            CustomParser = r => Permissions.IsKnown(Value(r)) ? Value(r)
                : Error<string>(r, $"--permission expects read or write; '{Value(r)}' is neither."),
        };

    /// <summary>An absolute http(s) address; kept as typed, since the profile stores it as text.</summary>
    public static Option<string> Server(bool required) =>
        new("--server")
        {
            Description = "The Vault server's address.", HelpName = "URL", Required = required,
            CustomParser = r => Uri.TryCreate(Value(r), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
                ? Value(r)
                : Error<string>(r, $"--server expects an address like https://vault.example.nl; '{Value(r)}' is not one."),
        };

    public static Option<string> PassphraseFile(string name = "--passphrase-file", string what = "the passphrase",
        string variable = "VAULT_PASSPHRASE") =>
        new(name)
        {
            Description = $"A file holding {what} on its first line (readable only by you). Else the {variable} environment " +
                          "variable, else a prompt when standard input is a terminal; never piped input.",
            HelpName = "PATH",
        };

    /// <summary>USER_ID[:read|write],... (write when no permission is named).</summary>
    public static Option<IReadOnlyList<MemberSpec>> Members(string description) =>
        new("--members")
        {
            Description = description + " Usernames or ids.", HelpName = "USER[:read|write],...",
            CustomParser = r =>
            {
                var members = new List<MemberSpec>();
                foreach (var item in Value(r).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var parts = item.Split(':');
                    var user = Guid.Empty; // a username: looked up before the command runs
                    if (parts.Length > 2 || (!Guid.TryParse(parts[0], out user) && !Context.IsName(parts[0]))
                        || (parts.Length == 2 && !Permissions.IsKnown(parts[1])))
                    {
                        return Error<IReadOnlyList<MemberSpec>>(r, "--members expects USER_ID[:read|write] separated by commas, e.g. " +
                            $"krachtgezin.devries or 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c:read (`vault family members --family ID` shows the ids); '{item}' is not one.");
                    }
                    members.Add(new MemberSpec(user, parts.Length == 2 ? parts[1] : Permissions.Write));
                }
                return members;
            },
        };

    /// <summary>
    /// A number of days, or "none", given as 0 (<see cref="NoneIsNull"/> turns it into null): a custom parser that
    /// returns null for a nullable value type makes System.CommandLine throw an InvalidCastException.
    /// </summary>
    public static Option<int> DaysOrNone(string description) =>
        new("--days")
        {
            Description = description, HelpName = "N|none", Required = true,
            CustomParser = r => Value(r) == "none" ? 0
                : int.TryParse(Value(r), NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days >= 1 ? days
                : Error<int>(r, $"--days expects a number of days (1 or more) or 'none'; '{Value(r)}' is neither."),
        };

    public static int? NoneIsNull(int days) => days == 0 ? null : days;

    /// <summary>The value of an option the parser already required (so never null here).</summary>
    public static T Must<T>(this ParseResult r, Option<T?> option) where T : struct =>
        r.GetValue(option) ?? throw new InvalidOperationException($"{option.Name} was required.");

    public static string Must(this ParseResult r, Option<string> option) =>
        r.GetValue(option) ?? throw new InvalidOperationException($"{option.Name} was required.");

    private static string Value(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[0].Value : "";

    private static Guid? ParseId(ArgumentResult r, string name, string findIt) =>
        Guid.TryParse(Value(r), out var id)
            ? id
            : Nameable.Contains(name) && Context.IsName(Value(r))
                ? Guid.Empty // a name: looked up before the command runs (Context.ResolveNamesAsync), never used as such
                : Error<Guid?>(r, $"{name} expects {(Nameable.Contains(name) ? "a name or " : "")}an id like " +
                    $"3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c ({findIt}); '{Value(r)}' is not one.");

    /// <summary>The options that take a name as well as an id (see Names.cs).</summary>
    private static readonly string[] Nameable = ["--family", "--channel", "--user", "--subject", "--actor", "--about"];

    private static T Error<T>(ArgumentResult r, string message)
    {
        r.AddError(message);
        return default!;
    }
}

/// <summary>One entry of --members.</summary>
internal sealed record MemberSpec(Guid User, string Permission);
