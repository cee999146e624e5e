using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault profile list`, `vault whoami`, `vault logout`, `vault receipt verify`.</summary>
internal static partial class Verbs
{
    private static Command ProfileCommand(Context c)
    {
        var json = Opt.Json();
        var list = new Verb("list",
            "List the profiles on this machine (the default one in VAULT_HOME, named ones in VAULT_HOME/profiles): " +
            "name, username, signed in or not, server; the one in use is marked *.",
            "vault profile list", "vault profile list --json")
        {
            json,
        }.Does(r => c.ProfileList(r.GetValue(json)));
        return new Command("profile",
            "Profiles: several accounts or servers on one machine. `--profile NAME` (or VAULT_PROFILE) on any command picks one; " +
            "`vault invite accept --profile NAME ...` or `vault login --profile NAME --server URL --username USER` makes one.")
        {
            list,
        };
    }

    private static Verb Whoami(Context c)
    {
        var json = Opt.Json();
        return new Verb("whoami",
            "Show who this machine acts as: profile, server, username, user id, role, device, whether it is signed in, fingerprint " +
            "and the pinned audit key.",
            "vault whoami", "vault --profile werk whoami --json")
        {
            json,
        }.Does(r => c.Whoami(r.GetValue(json)));
    }

    private static Verb Logout(Context c) =>
        new Verb("logout",
            "Sign out on this device: the server revokes its tokens (a copy of them stops working) and the device forgets them. " +
            "The device keys stay, so `vault login` signs in again.",
            "vault logout", "vault --profile werk logout").Does(_ => c.Logout());

    private static Command Receipt(Context c)
    {
        var file = new Argument<string>("FILE")
        {
            Description = "A receipt file saved by `vault withdraw`, `vault channel remove-member` or `vault dsr erase`; or an export " +
                          "archive's directory (`vault dsr export --out DIR`), whose package must be complete and signed.",
        };
        var json = Opt.Json();
        var verify = new Verb("verify",
            "Verify a saved receipt offline (no server needed): the server's signature, that it is the audit key pinned in this " +
            "profile, and that the readable copy says what was signed. Prints what it states; exit 3 names what failed.",
            "vault receipt verify ~/.vault/receipts/withdrawal-3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c.json",
            "vault receipt verify ontvangstbewijs.json --json",
            "vault receipt verify ./export-bakker   (an export archive)")
        {
            file, json,
        }.Does(r => c.ReceiptVerify(r.GetValue(file)!, r.GetValue(json)));
        return new Command("receipt", "Signed receipts saved as files.") { verify };
    }
}
