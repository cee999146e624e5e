using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// One real server for a test class, with its administrator set up and signed in once (the admin invitation works
/// once, and each TOTP code once): tests ask it for invitations and make their own accounts.
/// </summary>
public sealed class AdminServer : IAsyncLifetime
{
    private ServerProcess server = null!;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    public string Url => server.Url;
    public string DataDirectory => server.DataDirectory;
    public string AdminHome => Path.Combine(Root, "admin");

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        var accepted = await Ok(AdminHome, "invite", "accept", "--server", Url, "--code", server.AdminInvitation, "--username", "admin");
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await Ok(AdminHome, "login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp());
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>A fresh invitation code for <paramref name="role"/>.</summary>
    public async Task<string> InvitationAsync(string role) =>
        (await Ok(AdminHome, "invite", "create", "--role", role)).Out.Trim().Split('\n')[^1].Trim();

    /// <summary>A guardian account (no second factor) with a signed-in device in its own VAULT_HOME.</summary>
    public async Task<string> GuardianAsync(string username)
    {
        var home = Path.Combine(Root, username);
        await Ok(home, "invite", "accept", "--server", Url, "--code", await InvitationAsync("guardian"), "--username", username);
        await Ok(home, "login");
        return home;
    }

    public static async Task<CliResult> Ok(string home, params string[] args)
    {
        var result = await Cli.RunAsync(home, args, Cli.WithPassphrase());
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }
}
