using System.CommandLine;
using System.CommandLine.Help;

namespace Vault.Cli;

/// <summary>
/// The command tree: names, options, help texts and examples, each verb bound to the <see cref="Context"/> method
/// that does it. The names are the documented interface (README): keep them.
/// </summary>
internal static partial class Verbs
{
    /// <summary>
    /// A RootCommand (it carries the [suggest] directive that tab completion through dotnet-suggest asks), named
    /// `vault` in help whatever the executable is called.
    /// </summary>
    public static RootCommand Root(Context c)
    {
        var root = new RootCommand(
            "Vault: end-to-end encrypted messaging for youth care.\n" +
            "Exit codes: 0 done, 1 refused or failed, 2 wrong command line, 3 verification failed.\n" +
            "Environment: VAULT_HOME (profile directory, default ~/.vault), VAULT_PROFILE (a named profile, as --profile), " +
            "VAULT_PASSPHRASE, VAULT_NEW_PASSPHRASE.\n" +
            "The passphrase is never read from an argument nor from piped input: VAULT_PASSPHRASE, --passphrase-file, " +
            "or a prompt in a terminal.")
        {
            Invite(c), Login(c), PassphraseCommand(c), Devices(c), Fingerprint(c), Family(c), Grant(c), Cosign(c), Grants(c), Withdraw(c),
            Channel(c), Send(c), Edit(c), Delete(c), Read(c), Receipts(c), Listen(c), Doc(c), Audit(c), Dsr(c), Privacy(c), Demo(c),
            ProfileCommand(c), Whoami(c), Logout(c), Receipt(c),
        };
        root.HelpName = "vault";
        root.Options.Add(Profiles.Option());
        root.Options.Add(Language(c));
        return root;
    }

    /// <summary>
    /// --lang nl|en on every command: table headers, counts and marks in that language (full sentences are English
    /// unless a command translated them). Default: the system's UI language.
    /// </summary>
    private static Option<string> Language(Context c) =>
        new(LanguageOption)
        {
            Description = "The language of the output: nl or en (default: the system's, from LC_ALL, LC_MESSAGES or LANG).",
            HelpName = "nl|en", Recursive = true, DefaultValueFactory = _ => c.SystemLanguage,
            CustomParser = r => r.Tokens[0].Value is "nl" or "en" ? r.Tokens[0].Value
                : Error(r, $"--lang expects nl or en; '{r.Tokens[0].Value}' is neither."),
        };

    public const string LanguageOption = "--lang";

    private static Command Invite(Context c)
    {
        var server = Opt.Server(required: true);
        var code = Opt.Text("--code", "The invitation code you were given.", "CODE", required: true);
        var username = Opt.Text("--username", "Your new username.", "NAME", required: true);
        var device = Opt.Text("--device", "A name for this device (default: the machine's name).", "NAME");
        var passphraseFile = Opt.PassphraseFile();
        var acceptJson = Opt.Json();
        var accept = new Verb("accept",
            "Create your account from an invitation; this machine becomes its first device. The new passphrase needs " +
            Vault.Client.PassphrasePolicy.Rule + ". Refused when VAULT_HOME already holds a profile.",
            "vault invite accept --server https://vault.example.nl --code CODE --username moeder.bakker   (asks for the passphrase twice)",
            "VAULT_HOME=~/.vault-test vault invite accept --server URL --code CODE --username test --passphrase-file ~/.vault-pass")
        {
            server, code, username, device, passphraseFile, acceptJson,
        }.Does(r => c.AcceptInvitation(r.Must(server), r.Must(code), r.Must(username), r.GetValue(device), r.GetValue(passphraseFile),
            r.GetValue(acceptJson)));

        var role = Opt.Role("The new account's role (family members are better invited into their family: `vault family invite`).",
            Vault.Contracts.Roles.All);
        var hours = Opt.Number("--hours", "How long the code stays valid (server default when absent).", "N", 1);
        var createJson = Opt.Json();
        var create = new Verb("create", "Invite someone to make an account (administrators); prints the code to hand over.",
            "vault invite create --role coordinator", "vault invite create --role wijkcoach --hours 48")
        {
            role, hours, createJson,
        }.Does(r => c.CreateInvitation(r.Must(role), r.GetValue(hours), r.GetValue(createJson)));
        return new Command("invite", "Accept an invitation (new account) or create one.") { accept, create };
    }

    private static Verb Login(Context c)
    {
        var username = Opt.Text("--username", "Your username (on a machine that is not set up yet: required).", "NAME");
        var server = Opt.Server(required: false);
        var totp = Opt.Text("--totp", "The current code from your authenticator app, when your account has a second factor.", "CODE");
        var deviceName = new Option<string>("--device-name", "--device")
        {
            Description = "A name for this machine when it becomes a new device (default: the machine's name).", HelpName = "NAME",
        };
        var passphraseFile = Opt.PassphraseFile();
        var json = Opt.Json();
        return new Verb("login",
            "Sign in on this device. On a machine that is not set up yet (no profile in VAULT_HOME), --server and --username " +
            "recover your keys with the passphrase and add this machine as a new device.",
            "vault login --totp 123456",
            "VAULT_PASSPHRASE=... vault login",
            "vault login --server https://vault.example.nl --username admin --device-name phone --totp 123456")
        {
            username, server, totp, deviceName, passphraseFile, json,
        }.Does(r => c.Login(r.GetValue(username), r.GetValue(server), r.GetValue(totp), r.GetValue(deviceName), r.GetValue(passphraseFile),
            r.GetValue(json)));
    }

    private static Command PassphraseCommand(Context c)
    {
        var totp = Opt.Text("--totp", "The current code from your authenticator app, when your account has a second factor.", "CODE");
        var passphraseFile = Opt.PassphraseFile();
        var newPassphraseFile = Opt.PassphraseFile("--new-passphrase-file", "the new passphrase", "VAULT_NEW_PASSPHRASE");
        var change = new Verb("change",
            "Change your passphrase; your keys stay the same and your other devices are signed out. The new passphrase needs " +
            Vault.Client.PassphrasePolicy.Rule + ".",
            "vault passphrase change --totp 123456   (asks for the current one, then the new one twice)",
            "vault passphrase change --passphrase-file ~/old --new-passphrase-file ~/new")
        {
            totp, passphraseFile, newPassphraseFile,
        }.Does(r => c.ChangePassphrase(r.GetValue(totp), r.GetValue(passphraseFile), r.GetValue(newPassphraseFile)));
        return new Command("passphrase", "Change your passphrase.") { change };
    }

    private static Command Devices(Context c)
    {
        var listJson = Opt.Json();
        var list = new Verb("list", "List your devices; the one you are on is marked.", "vault devices list", "vault devices list --json")
        {
            listJson,
        }.Does(r => c.ListDevices(r.GetValue(listJson)));
        var id = Opt.IdArgument("DEVICE_ID", "The device to revoke.", "`vault devices list` shows them");
        var revoke = new Verb("revoke", "Revoke a device (a lost phone): it can no longer sign in or read new messages.",
            "vault devices revoke 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c")
        {
            id,
        }.Does(r => c.Revoke(r.GetValue(id)));
        return new Command("devices", "Your devices.") { list, revoke };
    }

    private static Verb Fingerprint(Context c)
    {
        var user = Opt.Id("--user", "Someone else: shows their fingerprint and your safety number with them.",
            "`vault family members --family ID` shows the ids", required: false);
        var json = Opt.Json();
        return new Verb("fingerprint", "Show your fingerprint, or the safety number to compare with someone (in person or by phone).",
            "vault fingerprint", "vault fingerprint --user 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c")
        {
            user, json,
        }.Does(r => c.Fingerprint(r.GetValue(user), r.GetValue(json)));
    }

    private static Command Audit(Context c)
    {
        var (family, json) = (Opt.Family(required: false), Opt.Json());
        var verify = new Verb("verify",
            "Check the server's audit log: signatures, the Merkle tree, and that it extends the last one seen. Exit 3 names the first bad entry. " +
            "A guardian (or a child, for its own part) verifies the family's entries with --family; the privacy officer verifies the whole log.",
            "vault audit verify", "vault audit verify --family 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c")
        {
            family, json,
        }.Does(r => c.AuditVerify(r.GetValue(family), r.GetValue(json)));
        return new Command("audit", "The audit log.") { verify, AuditAccess(c) };
    }
}
