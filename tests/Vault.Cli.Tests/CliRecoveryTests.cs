using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// Issue 9, item 10, as it was seen: `vault login --server URL --username NAME --device-name phone` on a new machine,
/// then `vault channel list` and `vault read` in later commands (each resuming from the profile, which holds device
/// keys only). Every earlier message must open, from both epochs, for a read-only grantee and for the guardian.
/// </summary>
public sealed class CliRecoveryTests : IAsyncLifetime
{
    private const string Passphrase = "lange zin met spaties en cijfers 42";
    private static readonly string[] Earlier = ["Welkom allemaal", "Dank je, tot dinsdag", "Verslag volgt", "Top, tot dan"];
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string coordinator = "", familyId = "", channelId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        var admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-9", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        var guardian = await AccountAsync("moeder.bakker", await FamilyCodeAsync(coordinator, "guardian"));
        await AccountAsync("opa.de.vries", await FamilyCodeAsync(guardian, "network"));
        await AccountAsync("tante.els", await FamilyCodeAsync(guardian, "network"));
        var members = (await Ok(guardian, "family", "members", "--family", familyId)).Out;
        string Id(string name) => Regex.Match(members, $@"([0-9a-f-]{{36}})\s+{Regex.Escape(name)}\s").Groups[1].Value;

        // Epoch 1: the coordinator writes, grandpa only reads.
        channelId = Match(await Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking",
            "--purpose", "begeleiding", "--members", $"{Id("coordinator.jansen")},{Id("opa.de.vries")}:read"), "Channel ([0-9a-f-]{36}) opened");
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", Earlier[0]);
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", Earlier[1]);
        // A new reader: the ring rotates (epoch 2), still before any new device exists.
        await Ok(guardian, "channel", "add-member", "--family", familyId, "--channel", channelId, "--user", Id("tante.els"),
            "--purpose", "meelezen", "--permission", "read");
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", Earlier[2]);
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", Earlier[3]);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task LoginOnNewMachine_ReadOnlyGrantee_ChannelListAndReadShowEveryEarlierMessage()
    {
        var phone = await NewMachineAsync("opa.de.vries");

        await AssertReadsEverythingAsync(phone);
    }

    [Fact]
    public async Task LoginOnNewMachine_Guardian_ReadsEveryEarlierMessageAndWritesFromThere()
    {
        var phone = await NewMachineAsync("moeder.bakker");

        await AssertReadsEverythingAsync(phone);
        await Ok(phone, "send", "--family", familyId, "--channel", channelId, "--text", "Vanaf mijn nieuwe telefoon");
        Assert.Contains("Vanaf mijn nieuwe telefoon", (await Ok(coordinator, "read", "--family", familyId, "--channel", channelId)).Out,
            StringComparison.Ordinal);
    }

    /// <summary>A fresh VAULT_HOME set up from the passphrase alone (VAULT_PASSPHRASE).</summary>
    private async Task<string> NewMachineAsync(string username)
    {
        var home = Path.Combine(root, username + ".phone");
        var setUp = await Ok(home, "login", "--server", server.Url, "--username", username, "--device-name", "phone");
        Assert.Contains("this machine is a new device", setUp.Out, StringComparison.Ordinal);
        return home;
    }

    private async Task AssertReadsEverythingAsync(string home)
    {
        var list = (await Ok(home, "channel", "list", "--family", familyId)).Out;
        Assert.Contains("kennismaking", list, StringComparison.Ordinal);
        Assert.DoesNotContain("(no key)", list, StringComparison.Ordinal);
        var read = (await Ok(home, "read", "--family", familyId, "--channel", channelId)).Out;
        Assert.DoesNotContain("could not be verified", read, StringComparison.Ordinal);
        var lines = read.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal(Earlier.Length, lines.Count);
        for (var i = 0; i < Earlier.Length; i++)
        {
            Assert.StartsWith($"#{i + 1} ", lines[i], StringComparison.Ordinal);
            Assert.EndsWith(": " + Earlier[i], lines[i], StringComparison.Ordinal);
        }
    }

    private async Task<string> FamilyCodeAsync(string inviter, string role) =>
        Last((await Ok(inviter, "family", "invite", "--family", familyId, "--role", role)).Out);

    /// <summary>Accepts an invitation and logs in (with a TOTP code when the account has one); returns the profile home.</summary>
    private async Task<string> AccountAsync(string username, string code)
    {
        var home = Path.Combine(root, username);
        var accepted = await Ok(home, "invite", "accept", "--server", server.Url, "--code", code, "--username", username);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await Ok(home, secret.Length > 0 ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp()] : ["login"]);
        return home;
    }

    private static string Last(string output) => output.Trim().Split('\n')[^1].Trim();

    private static string Match((int Code, string Out, string Err) result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out);

    private static async Task<(int Code, string Out, string Err)> Ok(string home, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(""),
            name => name switch { "VAULT_HOME" => home, "VAULT_PASSPHRASE" => Passphrase, _ => null });
        Assert.True(code == 0, $"vault {string.Join(' ', args)} exited {code}: {stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }
}
