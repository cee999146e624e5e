using System.Security.Cryptography;
using OtpNet;
using Vault.Client;
using Vault.Contracts.Identity;

namespace Vault.Cli.Demo;

/// <summary>
/// One person of the demo: an account with its own device (its own VAULT_HOME under the work directory, so the CLI
/// can go on as that person afterwards) and a passphrase made for the demo. For professionals the demo plays their
/// authenticator app with the TOTP secret the server enrolled.
/// </summary>
internal sealed class DemoPerson
{
    private DemoPerson(string name, string role, VaultClient client, string home, string passphraseFile)
    {
        Name = name;
        Role = role;
        Client = client;
        Home = home;
        PassphraseFile = passphraseFile;
    }

    public string Name { get; }
    public string Role { get; }
    public VaultClient Client { get; }
    public string Home { get; }
    public string PassphraseFile { get; }
    public Guid Id => Client.Session!.UserId;

    /// <summary>
    /// Accepts <paramref name="code"/> as <paramref name="name"/>, signs in (with a TOTP code when the role needs one)
    /// and saves the device as a CLI profile in WORK/people/NAME, with the passphrase beside it (mode 0600: a demo).
    /// </summary>
    public static async Task<DemoPerson> JoinAsync(Func<VaultClient> newClient, string server, string work, string code, string name)
    {
        var home = Path.Combine(work, "people", name);
        Profiles.CreatePrivateDirectory(home);
        var passphrase = NewPassphrase();
        var passphraseFile = Path.Combine(home, "passphrase");
        WritePrivate(passphraseFile, passphrase + "\n");
        var client = newClient();
        var registered = await client.AcceptInvitationAsync(code, name, passphrase, "demo");
        if (registered.Totp is { } totp)
        {
            WritePrivate(Path.Combine(home, "totp-secret"), totp.Secret + "\n");
        }
        await client.LoginAsync(name, passphrase, registered.DeviceId, client.Session!.Device, TotpCode(registered.Totp));
        var person = new DemoPerson(name, registered.Role, client, home, passphraseFile);
        person.ProfileOf(server).SaveNew(home);
        return person;
    }

    /// <summary>The device as the CLI keeps it: saved again at the end, with the session's newest tokens and pinned audit key.</summary>
    public Profile ProfileOf(string server)
    {
        var s = Client.Session!;
        return Profile.Of(server, s) with { AuditKey = s.AuditKey };
    }

    /// <summary>What an authenticator app would show now (each code is accepted once: every account signs in once).</summary>
    private static string? TotpCode(TotpEnrollment? totp) =>
        totp is null ? null : new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp();

    /// <summary>Five groups of five random letters: well past the passphrase rule, and typeable.</summary>
    private static string NewPassphrase() =>
        string.Join(' ', Enumerable.Range(0, 5).Select(_ => RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyz", 5)));

    private static void WritePrivate(string path, string text)
    {
        using var writer = new StreamWriter(Profile.CreatePrivateFile(path, FileMode.CreateNew));
        writer.Write(text);
    }
}
