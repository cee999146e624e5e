using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// The line printed after a step of the family lifecycle, starting "Next:", saying what usually follows and the
/// command for it: a newcomer should not have to find the next step in the README.
/// </summary>
internal static class NextHints
{
    public static string AfterInviteCreate(string role) => role == Roles.Coordinator
        ? "Next: hand the code to the coordinator (in person or by phone); they run `vault invite accept --server URL --code CODE " +
          "--username NAME`, then `vault family create` to open a family."
        : "Next: hand the code over (in person or by phone); they run `vault invite accept --server URL --code CODE --username NAME`.";

    public static string AfterFamilyCreate(Guid family) =>
        $"Next: invite the guardians with `vault family invite --family {family} --role guardian` and hand each their code; they " +
        "run `vault invite accept` (new account) or `vault family join --code CODE` (existing account).";

    public static string AfterFamilyJoin(Guid family) =>
        $"Next: `vault family members --family {family}` shows who else is in the family.";

    public static string AfterChannelCreate(Guid family, Guid channel) =>
        $"Next: write in it with `vault send --family {family} --channel {channel} --text TEXT` (or pipe the text in); " +
        $"the members read it with `vault read --family {family} --channel {channel}`.";

    /// <summary>What the grantee can now do with the scope (or, still pending, what has to happen first).</summary>
    public static string AfterGrant(Guid family, string scope, string permission, string status)
    {
        if (status == GrantStatus.Pending)
        {
            return "Next: the grant takes effect once everyone awaited has signed it, each on their own device with " +
                   $"`vault cosign --family {family} --grant GRANT`; `vault grants --family {family}` shows its state.";
        }
        var when = status == GrantStatus.NotYetValid ? "from its start date" : "now";
        var write = permission == Permissions.Write;
        if (scope.StartsWith("channel:", StringComparison.Ordinal))
        {
            var channel = scope["channel:".Length..];
            return $"Next: the grantee can {when} read{(write ? " and write" : "")} in the channel: `vault read --family {family} " +
                   $"--channel {channel}`{(write ? $", `vault send --family {family} --channel {channel}`" : "")}.";
        }
        if (scope.StartsWith("documents:", StringComparison.Ordinal))
        {
            var category = scope["documents:".Length..];
            return $"Next: the grantee can {when} read{(write ? " and upload" : "")} {category} documents: " +
                   $"`vault doc list --family {family} --category {category}`{(write ? $", `vault doc upload --family {family} --category {category} FILE`" : "")}.";
        }
        return $"Next: the grantee can {when} {(write ? "read and change" : "read")} the family's {scope}; `vault grants --family {family}` " +
               "lists the grants, `vault withdraw` ends this one.";
    }

    public static string AfterReceipt(string path) =>
        $"Next: `vault receipt verify {path}` checks the receipt at any time, without the server; keep the file.";
}
