using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>
/// The `vault` command. The passphrase is read from VAULT_PASSPHRASE or the first line of standard input,
/// never from an argument (arguments show up in process lists and shell history).
/// </summary>
public static class CliApp
{
    private const string Usage = """
        usage: vault <command> [options]
          invite accept --server URL --code CODE --username NAME [--device NAME]
          invite create --role ROLE [--hours N]
          login --username NAME [--server URL] [--totp CODE]
          devices list
          devices revoke DEVICE_ID
          fingerprint [--user USER_ID]
        environment: VAULT_HOME (default ~/.vault), VAULT_PASSPHRASE (else read from stdin)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        Func<string, string?> env, HttpMessageHandler? handler = null)
    {
        var home = env("VAULT_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vault");
        var options = Options.Parse(args, out var words);
        try
        {
            var context = new Context(home, options, stdout, stdin, env, handler);
            return string.Join(' ', words) switch
            {
                "invite accept" => await context.AcceptInvitation(),
                "invite create" => await context.CreateInvitation(),
                "login" => await context.Login(),
                "devices list" => await context.ListDevices(),
                "fingerprint" => await context.Fingerprint(),
                _ when words.Count == 3 && words[0] == "devices" && words[1] == "revoke" => await context.Revoke(words[2]),
                _ => Fail(stderr, Usage, 2),
            };
        }
        catch (VaultApiException e)
        {
            return Fail(stderr, $"error: {e.Title ?? "request failed"} ({e.ProblemType ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)})", 1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or HttpRequestException
                                      or System.Security.Cryptography.CryptographicException or FormatException)
        {
            return Fail(stderr, "error: " + e.Message, 1);
        }
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine(message);
        return code;
    }

    private sealed class Options(Dictionary<string, string> values)
    {
        public static Options Parse(string[] args, out List<string> words)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            words = [];
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                {
                    values[args[i][2..]] = args[++i];
                }
                else
                {
                    words.Add(args[i]);
                }
            }
            return new Options(values);
        }

        public string? Get(string name) => values.GetValueOrDefault(name);
        public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required.");
    }

    private sealed class Context(string home, Options options, TextWriter stdout, TextReader stdin,
        Func<string, string?> env, HttpMessageHandler? handler)
    {
        private VaultClient Client(string server) =>
            new(new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { BaseAddress = new Uri(server) });

        private string Passphrase() =>
            env("VAULT_PASSPHRASE") ?? stdin.ReadLine() ?? throw new ArgumentException("No passphrase given (VAULT_PASSPHRASE or stdin).");

        private Profile Stored() => Profile.Load(home) ?? throw new InvalidOperationException("Not set up: run `vault invite accept` first.");

        private VaultClient Resumed(Profile p)
        {
            var client = Client(p.Server);
            client.Resume(new DeviceSession(p.UserId, p.Username, p.DeviceId, DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), null)
            {
                IdentitySigningPublicKey = p.IdentitySigningPublicKey, IdentityBoxPublicKey = p.IdentityBoxPublicKey,
                AccessToken = p.AccessToken, RefreshToken = p.RefreshToken,
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
            (p with { AccessToken = s.AccessToken, RefreshToken = s.RefreshToken }).Save(home);

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
            var p = Stored();
            var client = Client(options.Get("server") ?? p.Server);
            await client.LoginAsync(options.Get("username") ?? p.Username, Passphrase(), p.DeviceId,
                DeviceKeys.FromSecrets(p.DeviceSigningSeed, p.DeviceBoxSecret), options.Get("totp"));
            Save(home, p, client.Session!);
            stdout.WriteLine($"Logged in as {p.Username} on device {p.DeviceId}.");
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
}
