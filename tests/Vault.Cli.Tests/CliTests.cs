using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

public sealed class CliTests : IAsyncLifetime
{
    private const string Passphrase = "lange zin met spaties en cijfers 42";
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_AcceptLoginDevicesFingerprintInvite_Works()
    {
        var admin = Path.Combine(root, "admin");
        var accepted = await Run(admin, "invite", "accept", "--server", server.Url, "--code", server.AdminInvitation,
            "--username", "admin", "--device", "laptop");
        Assert.Equal(0, accepted.Code);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        Assert.NotEmpty(secret);

        var noTotp = await Run(admin, "login");
        Assert.Equal(1, noTotp.Code);
        Assert.Contains("second-factor-required", noTotp.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await Run(admin, "login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp())).Code);

        var devices = await Run(admin, "devices", "list");
        Assert.Equal(0, devices.Code);
        Assert.Contains("laptop", devices.Out, StringComparison.Ordinal);
        Assert.Contains("(this device)", devices.Out, StringComparison.Ordinal);

        var invitation = await Run(admin, "invite", "create", "--role", "guardian");
        Assert.Equal(0, invitation.Code);
        var code = invitation.Out.Trim().Split('\n').Last().Trim();

        var guardian = Path.Combine(root, "guardian");
        var joined = await Run(guardian, "invite", "accept", "--server", server.Url, "--code", code, "--username", "vader.de.vries");
        Assert.Equal(0, joined.Code);
        Assert.DoesNotContain("Second factor required", joined.Out, StringComparison.Ordinal);
        var guardianFingerprint = (await Run(guardian, "fingerprint")).Out.Trim();
        Assert.Matches("^[0-9]{5}( [0-9]{5}){5}$", guardianFingerprint);
        Assert.Equal(0, (await Run(guardian, "login")).Code);
        var reused = await Run(Path.Combine(root, "third"), "invite", "accept", "--server", server.Url, "--code", code, "--username", "derde");
        Assert.Equal(1, reused.Code);
        Assert.Contains("invalid-invitation", reused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_LoginOnFreshMachine_SetsUpDeviceThenFingerprintAndRevoke()
    {
        var laptop = Path.Combine(root, "laptop");
        var accepted = await Run(laptop, "invite", "accept", "--server", server.Url, "--code", server.AdminInvitation,
            "--username", "admin", "--device", "laptop");
        var totp = new Totp(Base32Encoding.ToBytes(Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value));
        Assert.Equal(0, (await Run(laptop, "login", "--totp", totp.ComputeTotp())).Code);
        var fingerprint = (await Run(laptop, "fingerprint")).Out.Trim();

        var phone = Path.Combine(root, "phone");
        var notSetUp = await Run(phone, "devices", "list");
        Assert.Equal(1, notSetUp.Code);
        Assert.Contains("vault login --server URL --username NAME", notSetUp.Err, StringComparison.Ordinal);
        var wrong = await RunAs(phone, "not the passphrase", "login", "--server", server.Url, "--username", "admin",
            "--totp", totp.ComputeTotp());
        Assert.Equal(1, wrong.Code);
        Assert.Contains("invalid-credentials", wrong.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(phone, "profile.json")));

        // The next TOTP step: the laptop's login used this one.
        var setUp = await Run(phone, "login", "--server", server.Url, "--username", "admin", "--device-name", "phone",
            "--totp", totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(0, setUp.Code);
        Assert.Contains($"Fingerprint: {fingerprint}", setUp.Out, StringComparison.Ordinal);
        var phoneId = Regex.Match(setUp.Out, "new device: ([0-9a-f-]{36})").Groups[1].Value;
        Assert.Equal(fingerprint, (await Run(phone, "fingerprint")).Out.Trim());
        var devices = await Run(phone, "devices", "list");
        Assert.Equal(0, devices.Code);
        Assert.Contains("laptop", devices.Out, StringComparison.Ordinal);
        Assert.Contains($"{phoneId}  phone", devices.Out, StringComparison.Ordinal);
        Assert.Contains("(this device)", devices.Out.Split('\n').Single(l => l.StartsWith(phoneId, StringComparison.Ordinal)), StringComparison.Ordinal);

        var revoked = await Run(laptop, "devices", "revoke", phoneId);
        Assert.Equal(0, revoked.Code);
        var afterRevoke = await Run(phone, "devices", "list");
        Assert.Equal(1, afterRevoke.Code);
        Assert.Contains("device-revoked", afterRevoke.Err, StringComparison.Ordinal);
        Assert.Contains("revoked", (await Run(laptop, "devices", "list")).Out, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Out, string Err)> Run(string home, params string[] args) => RunAs(home, Passphrase, args);

    private static async Task<(int Code, string Out, string Err)> RunAs(string home, string passphrase, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(""),
            name => name switch { "VAULT_HOME" => home, "VAULT_PASSPHRASE" => passphrase, _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
