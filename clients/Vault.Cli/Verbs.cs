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
            Invite(c), Login(c), PassphraseCommand(c), Devices(c), Fingerprint(c), Family(c), Grant(c), Grants(c), Withdraw(c),
            Channel(c), Send(c), Edit(c), Delete(c), Read(c), Receipts(c), Listen(c), Doc(c), Audit(c), Dsr(c), Privacy(c),
            ProfileCommand(c), Whoami(c), Logout(c), Receipt(c),
        };
        root.HelpName = "vault";
        root.Options.Add(Profiles.Option());
        return root;
    }

    private static Command Invite(Context c)
    {
        var server = Opt.Server(required: true);
        var code = Opt.Text("--code", "The invitation code you were given.", "CODE", required: true);
        var username = Opt.Text("--username", "Your new username.", "NAME", required: true);
        var device = Opt.Text("--device", "A name for this device (default: the machine's name).", "NAME");
        var passphraseFile = Opt.PassphraseFile();
        var accept = new Verb("accept",
            "Create your account from an invitation; this machine becomes its first device. The new passphrase needs " +
            Vault.Client.PassphrasePolicy.Rule + ". Refused when VAULT_HOME already holds a profile.",
            "vault invite accept --server https://vault.example.nl --code CODE --username moeder.bakker   (asks for the passphrase twice)",
            "VAULT_HOME=~/.vault-test vault invite accept --server URL --code CODE --username test --passphrase-file ~/.vault-pass")
        {
            server, code, username, device, passphraseFile,
        }.Does(r => c.AcceptInvitation(r.Must(server), r.Must(code), r.Must(username), r.GetValue(device), r.GetValue(passphraseFile)));

        var role = Opt.Text("--role", "The new account's role, e.g. coordinator, wijkcoach, gemeente (the server lists them if wrong).",
            "ROLE", required: true);
        var hours = Opt.Number("--hours", "How long the code stays valid (server default when absent).", "N", 1);
        var create = new Verb("create", "Invite someone to make an account (administrators); prints the code to hand over.",
            "vault invite create --role coordinator", "vault invite create --role wijkcoach --hours 48")
        {
            role, hours,
        }.Does(r => c.CreateInvitation(r.Must(role), r.GetValue(hours)));
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
        return new Verb("login",
            "Sign in on this device. On a machine that is not set up yet (no profile in VAULT_HOME), --server and --username " +
            "recover your keys with the passphrase and add this machine as a new device.",
            "vault login --totp 123456",
            "VAULT_PASSPHRASE=... vault login",
            "vault login --server https://vault.example.nl --username admin --device-name phone --totp 123456")
        {
            username, server, totp, deviceName, passphraseFile,
        }.Does(r => c.Login(r.GetValue(username), r.GetValue(server), r.GetValue(totp), r.GetValue(deviceName), r.GetValue(passphraseFile)));
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
        var list = new Verb("list", "List your devices; the one you are on is marked.", "vault devices list").Does(_ => c.ListDevices());
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
        return new Verb("fingerprint", "Show your fingerprint, or the safety number to compare with someone (in person or by phone).",
            "vault fingerprint", "vault fingerprint --user 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c")
        {
            user,
        }.Does(r => c.Fingerprint(r.GetValue(user)));
    }

    private static Command Audit(Context c)
    {
        var family = Opt.Family(required: false);
        var verify = new Verb("verify",
            "Check the server's audit log: signatures, the Merkle tree, and that it extends the last one seen. Exit 3 names the first bad entry.",
            "vault audit verify", "vault audit verify --family 3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c")
        {
            family,
        }.Does(r => c.AuditVerify(r.GetValue(family)));
        return new Command("audit", "The audit log.") { verify, AuditAccess(c) };
    }
}
