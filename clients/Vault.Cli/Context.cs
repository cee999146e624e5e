using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

internal sealed partial class Context(string home, Options options, TextWriter stdout, TextReader stdin,
    Func<string, string?> env, HttpMessageHandler? handler)
{
    private VaultClient Client(string server) =>
        new(new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { BaseAddress = new Uri(server) });

    private string Passphrase() =>
        env("VAULT_PASSPHRASE") ?? stdin.ReadLine() ?? throw new ArgumentException("No passphrase given (VAULT_PASSPHRASE or stdin).");

    private Profile Stored() => Profile.Load(home) ?? throw new InvalidOperationException(
        "Not set up: run `vault login --server URL --username NAME` (existing account) or `vault invite accept` (new account) first.");

    private VaultClient Resumed(Profile p)
    {
        var client = Client(p.Server);
        client.Resume(new DeviceSession(p.UserId, p.Username, p.DeviceId, DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), null)
        {
            IdentitySigningPublicKey = p.IdentitySigningPublicKey, IdentityBoxPublicKey = p.IdentityBoxPublicKey,
            AccessToken = p.AccessToken, RefreshToken = p.RefreshToken, AuditKey = p.AuditKey,
        });
        return client;
    }

    /// <summary>The stored session with fresh tokens (saved back), for commands that need no passphrase.</summary>
    private async Task<(Profile Profile, VaultClient Client)> SignedIn()
    {
        var p = Stored();
        var client = Resumed(p);
        await client.RefreshAsync();
        Save(home, p, client.Session!);
        return (p, client);
    }

    private static void Save(string home, Profile p, DeviceSession s) =>
        (p with { AccessToken = s.AccessToken, RefreshToken = s.RefreshToken, AuditKey = s.AuditKey ?? p.AuditKey }).Save(home);

    public async Task<int> AcceptInvitation()
    {
        var server = options.Require("server");
        var client = Client(server);
        var result = await client.AcceptInvitationAsync(options.Require("code"), options.Require("username"), Passphrase(),
            options.Get("device") ?? Environment.MachineName);
        var s = client.Session!;
        new Profile(server, s.Username, s.UserId, s.DeviceId, s.Device.SigningSeed, s.Device.BoxSecret,
            s.IdentitySigningPublicKey, s.IdentityBoxPublicKey, null, null).Save(home);
        stdout.WriteLine($"Account {s.Username} ({result.Role}) created; this device is {s.DeviceId}.");
        if (result.Totp is { } totp)
        {
            stdout.WriteLine($"Second factor required. Add this to your authenticator app, then log in with a code:");
            stdout.WriteLine(totp.OtpAuthUri);
        }
        stdout.WriteLine($"Fingerprint: {s.Fingerprint}");
        return 0;
    }

    public async Task<int> Login()
    {
        if (Profile.Load(home) is not { } p)
        {
            return await SetUpDevice();
        }
        var username = options.Get("username") ?? p.Username;
        if (!string.Equals(username.Trim(), p.Username, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"This VAULT_HOME holds a device of {p.Username}; use another VAULT_HOME for {username}.");
        }
        var client = Client(options.Get("server") ?? p.Server);
        await client.LoginAsync(p.Username, Passphrase(), p.DeviceId,
            DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), options.Get("totp"));
        Save(home, p, client.Session!);
        stdout.WriteLine($"Logged in as {p.Username} on device {p.DeviceId}.");
        return 0;
    }

    /// <summary>
    /// A machine without a profile: the passphrase (and TOTP code) recover the identity keys from the server's key
    /// bundle, and the SDK registers a new device certified by them. Nothing is stored if any step fails.
    /// </summary>
    private async Task<int> SetUpDevice()
    {
        var server = options.Get("server") ?? throw new InvalidOperationException(
            "This machine is not set up yet: `vault login --server URL --username NAME` sets it up as a new device.");
        var client = Client(server);
        var s = await client.RecoverOnNewDeviceAsync(options.Require("username"), Passphrase(),
            options.Get("device-name") ?? options.Get("device") ?? Environment.MachineName, options.Get("totp"));
        new Profile(server, s.Username, s.UserId, s.DeviceId, s.Device.SigningSeed, s.Device.BoxSecret,
            s.IdentitySigningPublicKey, s.IdentityBoxPublicKey, s.AccessToken, s.RefreshToken).Save(home);
        stdout.WriteLine($"Logged in as {s.Username}; this machine is a new device: {s.DeviceId}.");
        stdout.WriteLine($"Fingerprint: {s.Fingerprint}");
        return 0;
    }

    public async Task<int> ListDevices()
    {
        var (p, client) = await SignedIn();
        foreach (var d in await client.ListDevicesAsync())
        {
            var state = d.RevokedAt is null ? "active" : $"revoked {d.RevokedAt:yyyy-MM-dd HH:mm}";
            var self = d.Id == p.DeviceId ? " (this device)" : "";
            stdout.WriteLine($"{d.Id}  {d.Name,-20} {d.CreatedAt:yyyy-MM-dd}  {state}{self}");
        }
        return 0;
    }

    public async Task<int> Revoke(string id)
    {
        var (p, client) = await SignedIn();
        await client.RevokeDeviceAsync(Guid.Parse(id));
        stdout.WriteLine($"Device {id} revoked.");
        return 0;
    }

    public async Task<int> CreateInvitation()
    {
        var (p, client) = await SignedIn();
        var hours = options.Get("hours") is { } h ? int.Parse(h, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        var invitation = await client.CreateInvitationAsync(options.Require("role"), hours);
        stdout.WriteLine($"Invitation for {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC:");
        stdout.WriteLine(invitation.Code);
        return 0;
    }

    public async Task<int> Fingerprint()
    {
        var p = Stored();
        if (options.Get("user") is not { } user)
        {
            stdout.WriteLine(SafetyNumber.Fingerprint(p.IdentitySigningPublicKey, p.IdentityBoxPublicKey));
            return 0;
        }
        var (_, client) = await SignedIn();
        var keys = await client.GetUserKeysAsync(Guid.Parse(user));
        var theirs = VaultClient.FingerprintOf(keys);
        stdout.WriteLine($"{keys.Username}: {theirs}");
        stdout.WriteLine($"Safety number (compare with {keys.Username}): {SafetyNumber.ForPair(client.Session!.Fingerprint, theirs)}");
        return 0;
    }
}
