using Vault.Client;

namespace Vault.Cli;

/// <summary>
/// Names where a person knows names: a family by its case reference, a channel by its name (decrypted on this
/// device), a member by username. Before a command runs, the values of --family, --channel, --user, --subject,
/// --about, --actor and --members that are not ids are looked up among what this account can see and replaced by ids; the
/// command itself only ever gets ids. A name that matches nothing, or more than one thing, is refused and says where
/// to look; nothing is sent but the lookups.
/// </summary>
internal sealed partial class Context
{
    private static readonly string[] MemberOptions = ["--user", "--subject", "--actor", "--about"];

    /// <summary>
    /// True for a value meant as a name: it is not an id and not a malformed one (hex digits and dashes only, e.g. a
    /// mistyped id or a date), which the option's own parser refuses with the id format.
    /// </summary>
    public static bool IsName(string value) =>
        value.Length > 0 && !Guid.TryParse(value, out _) && !value.All(ch => char.IsAsciiHexDigit(ch) || ch == '-');

    public static bool NeedsNames(IReadOnlyList<string> args) =>
        Values(args).Any(v => v.Option == "--members" ? MemberNames(v.Value).Any() : IsName(v.Value));

    /// <summary>The arguments with every name replaced by the id it names.</summary>
    public async Task<string[]> ResolveNamesAsync(string[] args)
    {
        var (_, client) = await SignedIn();
        var resolved = (string[])args.Clone();
        Guid? family = null;
        foreach (var (index, option, value) in Values(args).Where(v => v.Option == "--family"))
        {
            family = IsName(value) ? await FamilyByReference(client, value) : Guid.Parse(value);
            resolved[index] = family.Value.ToString();
        }
        foreach (var (index, option, value) in Values(args).Where(v => v.Option != "--family"))
        {
            resolved[index] = option switch
            {
                "--channel" when IsName(value) => (await ChannelByName(client, Family(family, option, value), value)).ToString(),
                "--members" => string.Join(',', await Task.WhenAll(value.Split(',').Select(item => MemberItem(client, family, item)))),
                _ when IsName(value) => (await UserByName(client, family, option, value)).ToString(),
                _ => value,
            };
        }
        return resolved;
    }

    /// <summary>Each nameable option's value with its position: "--family X" and "--family=X" alike.</summary>
    private static IEnumerable<(int Index, string Option, string Value)> Values(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var (option, inline) = args[i].Split('=', 2) is [var o, var v] ? (o, v) : (args[i], null);
            if (option is "--family" or "--channel" or "--members" || MemberOptions.Contains(option))
            {
                if (inline is not null)
                {
                    continue; // "--family=X" is rare in scripts; ids only there (the parser says so if it is a name)
                }
                if (i + 1 < args.Count)
                {
                    yield return (i + 1, option, args[i + 1]);
                }
            }
        }
    }

    private static IEnumerable<string> MemberNames(string members) =>
        members.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.Split(':')[0]).Where(IsName);

    private static async Task<string> MemberItem(VaultClient client, Guid? family, string item)
    {
        var parts = item.Trim().Split(':', 2);
        if (!IsName(parts[0]))
        {
            return item;
        }
        var id = await UserByName(client, family, "--members", parts[0]);
        return parts.Length == 2 ? $"{id}:{parts[1]}" : id.ToString();
    }

    private static Guid Family(Guid? family, string option, string name) => family ?? throw new CliException(
        $"{option} {name} is a name: give --family too, so it can be looked up in that family.", ExitCodes.Usage);

    private static async Task<Guid> FamilyByReference(VaultClient client, string reference)
    {
        var matches = (await client.ListFamiliesAsync()).Where(f => string.Equals(f.Reference, reference, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0].Id : throw new CliException(matches.Count == 0
            ? $"--family {reference}: none of your families has this reference. `vault family list` shows yours " +
              "(a privacy officer, in no family, gives the id: `vault privacy families` lists them)."
            : $"--family {reference}: {matches.Count} of your families have this reference; give the id (`vault family list`).", ExitCodes.Usage);
    }

    private static async Task<Guid> ChannelByName(VaultClient client, Guid family, string name)
    {
        var matches = (await client.ListChannelsAsync(family)).Where(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1 ? matches[0].Channel.Id : throw new CliException(matches.Count == 0
            ? $"--channel {name}: no channel of this family that you can read has this name. `vault channel list --family ID` shows them."
            : $"--channel {name}: {matches.Count} channels have this name; give the id (`vault channel list --family ID`).", ExitCodes.Usage);
    }

    /// <summary>A member of the family by username; without --family (`vault fingerprint --user NAME`), of any of yours.</summary>
    private static async Task<Guid> UserByName(VaultClient client, Guid? family, string option, string name)
    {
        var families = family is { } f ? [f] : (await client.ListFamiliesAsync()).Select(x => x.Id).ToList();
        foreach (var id in families)
        {
            if ((await client.ListMembersAsync(id)).FirstOrDefault(m => string.Equals(m.Username, name, StringComparison.OrdinalIgnoreCase)) is { } member)
            {
                return member.UserId;
            }
        }
        throw new CliException($"{option} {name}: no member of {(family is null ? "your families" : "this family")} has this username. " +
            "`vault family members --family ID` shows them.", ExitCodes.Usage);
    }
}
