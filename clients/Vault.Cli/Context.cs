using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>What every command works with: the profile in VAULT_HOME, the standard streams, the environment.</summary>
internal sealed partial class Context(string home, TextWriter stdout, TextWriter stderr, TextReader stdin,
    Func<string, string?> env, HttpMessageHandler? handler, Func<string, string?>? promptSecret, TextWriter? progress)
{
    private VaultClient Client(string server) =>
        new(new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { BaseAddress = new Uri(server) });

    private Profile Stored() => Profile.Load(home) ?? throw new CliException(
        "This machine is not set up: run `vault login --server URL --username NAME` (existing account) or `vault invite accept` (new account) first.");

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
        if (p.RefreshToken is null)
        {
            throw new CliException($"This device of {p.Username} is not signed in: run `vault login` (add --totp CODE if your account has a second factor).");
        }
        var client = Resumed(p);
        await client.RefreshAsync();
        Save(home, p, client.Session!);
        return (p, client);
    }

    private static void Save(string home, Profile p, DeviceSession s) =>
        (p with { AccessToken = s.AccessToken, RefreshToken = s.RefreshToken, AuditKey = s.AuditKey ?? p.AuditKey }).Save(home);

    /// <summary>
    /// A new account on this machine. Refused before anything reaches the server (so the code stays usable) when this
    /// VAULT_HOME already holds a profile (its device keys would be lost) or the passphrase is too weak.
    /// </summary>
    public async Task<int> AcceptInvitation(string server, string code, string username, string? device, string? passphraseFile, bool json)
    {
        if (File.Exists(Profile.PathIn(home)))
        {
            var holder = Profile.Load(home) is { } existing ? $"the profile of {existing.Username} on {existing.Server}" : "a profile";
            throw new CliException($"{home} already holds {holder}; accepting here would replace that device's keys. Nothing was sent. " +
                $"Run the command again with a profile of its own for the new account, e.g. `vault --profile {ProfileNameFor(username)} invite accept ...`, " +
                $"or with VAULT_HOME set to an empty directory, e.g. VAULT_HOME=~/.vault-{username}.");
        }
        var passphrase = NewPassphrase(passphraseFile, "VAULT_PASSPHRASE", "--passphrase-file", username);
        var client = Client(server);
        var result = await client.AcceptInvitationAsync(code, username, passphrase, device ?? Environment.MachineName);
        var s = client.Session!;
        (Profile.Of(server, s) with { AccessToken = null, RefreshToken = null }).SaveNew(home); // not signed in yet
        if (json)
        {
            WriteJson(new AccountJson(server, s.UserId, s.Username, result.Role, s.DeviceId, s.Fingerprint, result.Totp?.OtpAuthUri,
                result.Totp?.Required ?? false));
            return 0;
        }
        stdout.WriteLine($"Account {s.Username} ({result.Role}) created; this device is {s.DeviceId}.");
        if (result.Totp is { } totp)
        {
            stdout.WriteLine($"Second factor required. Add this to your authenticator app, then log in with a code:");
            stdout.WriteLine(totp.OtpAuthUri);
        }
        stdout.WriteLine($"Fingerprint: {s.Fingerprint}");
        stdout.WriteLine(ForProfile("Next: `vault login` (with --totp CODE when a second factor is required)."));
        return 0;
    }

    public async Task<int> Login(string? username, string? server, string? totp, string? deviceName, string? passphraseFile, bool json)
    {
        if (Profile.Load(home) is not { } p)
        {
            return await SetUpDevice(username, server, totp, deviceName, passphraseFile, json);
        }
        username ??= p.Username;
        if (!string.Equals(username.Trim(), p.Username, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"This profile holds a device of {p.Username}; use another profile for {username} " +
                $"(`vault --profile {ProfileNameFor(username)} login --server URL --username {username}`) or another VAULT_HOME.");
        }
        var client = Client(server ?? p.Server);
        await client.LoginAsync(p.Username, Passphrase(passphraseFile), p.DeviceId,
            DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), totp);
        Save(home, p, client.Session!);
        if (json)
        {
            WriteJson(new SessionJson(server ?? p.Server, p.UserId, p.Username, p.DeviceId, NewDevice: false, client.Session!.Fingerprint));
            return 0;
        }
        stdout.WriteLine($"Logged in as {p.Username} on device {p.DeviceId}.");
        return 0;
    }

    /// <summary>
    /// A machine without a profile: the passphrase (and TOTP code) recover the identity keys from the server's key
    /// bundle, and the SDK registers a new device certified by them. Nothing is stored if any step fails.
    /// </summary>
    private async Task<int> SetUpDevice(string? username, string? server, string? totp, string? deviceName, string? passphraseFile, bool json)
    {
        if (server is null || username is null)
        {
            throw new CliException("This machine is not set up yet: `vault login --server URL --username NAME` sets it up as a new device.",
                ExitCodes.Usage);
        }
        var client = Client(server);
        var s = await client.RecoverOnNewDeviceAsync(username, Passphrase(passphraseFile), deviceName ?? Environment.MachineName, totp);
        Profile.Of(server, s).SaveNew(home);
        if (json)
        {
            WriteJson(new SessionJson(server, s.UserId, s.Username, s.DeviceId, NewDevice: true, s.Fingerprint));
            return 0;
        }
        stdout.WriteLine($"Logged in as {s.Username}; this machine is a new device: {s.DeviceId}.");
        stdout.WriteLine($"Fingerprint: {s.Fingerprint}");
        return 0;
    }

    /// <summary>
    /// Signs in with the current passphrase (the identity keys are needed to re-wrap them), then changes it; the
    /// server ends every other session of the account. A weak new passphrase is refused before anything is sent.
    /// </summary>
    public async Task<int> ChangePassphrase(string? totp, string? passphraseFile, string? newPassphraseFile)
    {
        var p = Stored();
        var current = Passphrase(passphraseFile);
        var next = NewPassphrase(newPassphraseFile, "VAULT_NEW_PASSPHRASE", "--new-passphrase-file", p.Username);
        if (next == current)
        {
            throw new CliException("The new passphrase is the same as the current one: nothing changed.");
        }
        var client = Client(p.Server);
        await client.LoginAsync(p.Username, current, p.DeviceId, DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), totp);
        await client.ChangePassphraseAsync(current, next);
        Save(home, p, client.Session!);
        stdout.WriteLine($"Passphrase of {p.Username} changed. Your other devices are signed out: log in there with the new passphrase.");
        return 0;
    }
}

/// <summary>What `vault invite accept --json` prints: the new account; otpAuthUri when a second factor is to be set up.</summary>
internal sealed record AccountJson(string Server, Guid UserId, string Username, string Role, Guid DeviceId, string Fingerprint,
    string? OtpAuthUri, bool SecondFactorRequired);

/// <summary>What `vault login --json` prints: who is signed in on which device (newDevice: this machine was just set up).</summary>
internal sealed record SessionJson(string Server, Guid UserId, string Username, Guid DeviceId, bool NewDevice, string Fingerprint);
