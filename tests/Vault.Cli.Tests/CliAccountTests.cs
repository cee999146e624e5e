namespace Vault.Cli.Tests;

/// <summary>
/// Accounts through the real server: refusals that must leave an invitation usable, the server's own words on a
/// refusal, passphrase sources and changes.
/// </summary>
public sealed class CliAccountTests(AdminServer server) : IClassFixture<AdminServer>
{
    private const string NewUser = "vader.de.vries";

    [Fact]
    public async Task InviteAccept_ExistingProfileOrWeakPassphrase_RefusedAndTheCodeStaysUsable()
    {
        var code = await server.InvitationAsync("guardian");
        string[] accept = ["invite", "accept", "--server", server.Url, "--code", code, "--username", NewUser];
        var adminProfile = Path.Combine(server.AdminHome, "profile.json");
        var before = await File.ReadAllBytesAsync(adminProfile);

        var taken = await Cli.RunAsync(server.AdminHome, accept, Cli.WithPassphrase());
        Assert.Equal(1, taken.Code);
        Assert.Contains("already holds the profile of admin", taken.Err, StringComparison.Ordinal);
        Assert.Contains("VAULT_HOME set to an empty directory", taken.Err, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(adminProfile));

        var fresh = Path.Combine(server.Root, NewUser);
        var weak = await Cli.RunAsync(fresh, accept, Cli.WithPassphrase("a"));
        Assert.Equal(1, weak.Code);
        Assert.Contains("too easy to guess", weak.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(fresh, "profile.json")));

        // Both refusals left the code unused; this time the passphrase comes from a file.
        var file = Path.Combine(server.Root, "passphrase.txt");
        await File.WriteAllTextAsync(file, Cli.Passphrase + "\nnot part of it\n");
        var accepted = await Cli.RunAsync(fresh, [.. accept, "--passphrase-file", file]);
        Assert.True(accepted.Code == 0, accepted.Err);

        // Standard input a terminal, no variable: the prompt is asked, and the file's first line was the passphrase.
        var prompts = new List<string>();
        var login = await Cli.RunAsync(fresh, ["login"], prompt: p => { prompts.Add(p); return Cli.Passphrase; });
        Assert.True(login.Code == 0, login.Err);
        Assert.Equal(["Passphrase: "], prompts);
    }

    [Fact]
    public async Task ServerRefusal_PrintsTitleDetailAndProblemType_Exits1()
    {
        // A value the CLI cannot check itself (the server's own limit), so the server's answer is what is printed.
        var refused = await Cli.RunAsync(server.AdminHome, ["invite", "create", "--role", "wijkcoach", "--hours", "100000"], Cli.WithPassphrase());
        Assert.Equal(1, refused.Code);
        Assert.Contains("The request is not valid.", refused.Err, StringComparison.Ordinal);
        Assert.Contains("validForHours must be between 1 and 720.", refused.Err, StringComparison.Ordinal);
        Assert.Contains("(urn:vault:problem:validation)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("hint: `vault invite create --help`", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PassphraseChange_WeakOrSameRefused_StrongReplacesTheOld()
    {
        const string next = "fiets lamp oranje wolk";
        var home = await server.GuardianAsync("moeder.jansen");
        Task<CliResult> Change(string to) => Cli.RunAsync(home, ["passphrase", "change"],
            new Dictionary<string, string> { ["VAULT_PASSPHRASE"] = Cli.Passphrase, ["VAULT_NEW_PASSPHRASE"] = to });

        var weak = await Change("moeder.jansen1");
        Assert.Equal(1, weak.Code);
        Assert.Contains("too easy to guess", weak.Err, StringComparison.Ordinal);
        var same = await Change(Cli.Passphrase);
        Assert.Equal(1, same.Code);
        Assert.Contains("same as the current one", same.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli.RunAsync(home, ["login"], Cli.WithPassphrase())).Code); // neither changed anything

        var changed = await Change(next);
        Assert.True(changed.Code == 0, changed.Err);
        var old = await Cli.RunAsync(home, ["login"], Cli.WithPassphrase());
        Assert.Equal(1, old.Code);
        Assert.Contains("invalid-credentials", old.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli.RunAsync(home, ["login"], Cli.WithPassphrase(next))).Code);
    }
}
