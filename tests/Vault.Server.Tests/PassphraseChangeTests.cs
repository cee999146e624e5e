using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vault.Client;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>Changing the passphrase: guarded by the login throttle, ends other sessions, and agrees with the client on the KDF.</summary>
public sealed class PassphraseChangeTests : IDisposable
{
    private const string NewPassphrase = "een heel nieuw wachtwoord voor de herfst";
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public PassphraseChangeTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task ChangePassphrase_WrongCurrentRepeatedly_ThrottledAndChangesNothing()
    {
        // The clock stands still, so the first wait (a second) cannot run out while the test goes on.
        using var server = new VaultServer { ConfigureTestServices = s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)) };
        var guardian = await new Cast(server).AccountAsync(Roles.Guardian, "oma.jansen");
        var before = Probe.State(server);
        for (var i = 0; i < 6; i++) // five free failures (RateLimits:FreeFailuresPerAddress), then the waits begin
        {
            var wrong = await Assert.ThrowsAsync<VaultApiException>(() => guardian.ChangePassphraseAsync("gok " + i, NewPassphrase));
            Assert.Equal(ProblemTypes.InvalidCredentials, wrong.ProblemType);
        }

        // Now even the right passphrase waits: a stolen token cannot keep guessing.
        var waiting = await Assert.ThrowsAsync<VaultApiException>(() => guardian.ChangePassphraseAsync(Cast.Passphrase, NewPassphrase));
        Assert.Equal(429, waiting.Status);
        Assert.Equal(ProblemTypes.RateLimited, waiting.ProblemType);
        Assert.Equal(before, Probe.State(server));
        var login = await Assert.ThrowsAsync<VaultApiException>(() => server.NewClient().LoginAsync("oma.jansen", Cast.Passphrase,
            guardian.Session!.DeviceId, guardian.Session.Device));
        Assert.Equal(ProblemTypes.RateLimited, login.ProblemType);
    }

    [Fact]
    public async Task ChangePassphrase_OtherSessionsEndAtOnce_CallerContinues()
    {
        var guardian = await cast.AccountAsync(Roles.Guardian, "vader.de.boer");
        var phone = server.NewClient();
        await phone.RecoverOnNewDeviceAsync("vader.de.boer", Cast.Passphrase, "phone");
        var laptopAgain = server.NewClient(); // a second login of the same device, e.g. another terminal
        await laptopAgain.LoginAsync("vader.de.boer", Cast.Passphrase, guardian.Session!.DeviceId, guardian.Session.Device);
        await using var phoneLive = new VaultConnection(phone);
        var dropped = new TaskCompletionSource();
        phoneLive.Disconnected += _ => { dropped.TrySetResult(); return Task.CompletedTask; };
        await phoneLive.StartAsync();

        await guardian.ChangePassphraseAsync(Cast.Passphrase, NewPassphrase);
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the phone's open connection ends too

        foreach (var other in new[] { phone, laptopAgain })
        {
            var refresh = await Assert.ThrowsAsync<VaultApiException>(() => other.RefreshAsync());
            Assert.Equal(400, refresh.Status);
            Assert.Equal(ProblemTypes.InvalidCredentials, refresh.ProblemType);
            var api = await Assert.ThrowsAsync<VaultApiException>(() => other.ListDevicesAsync());
            Assert.Equal(401, api.Status);
        }
        Assert.Equal(2, (await guardian.ListDevicesAsync()).Count);
        await guardian.RefreshAsync();
        Assert.Equal(2, (await guardian.ListDevicesAsync()).Count);
    }

    [Fact]
    public async Task ChangePassphrase_ServerKdfPolicyDiffersFromRegistration_NewPassphraseLogsInAndRecovers()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        DeviceSession registered;
        using (var first = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            var guardian = await new Cast(first).AccountAsync(Roles.Guardian, "moeder.visser"); // Argon2id 3 passes, 8 MiB
            registered = guardian.Session!;
        }
        using var second = new VaultServer
        {
            DataDirectoryOverride = data,
            Settings = { ["Vault:Kdf:OpsLimit"] = "4", ["Vault:Kdf:MemLimitBytes"] = (16 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        var client = second.NewClient();
        await client.LoginAsync("moeder.visser", Cast.Passphrase, registered.DeviceId, registered.Device);
        Assert.Equal(3, (await client.PreLoginAsync("moeder.visser")).OpsLimit);

        await client.ChangePassphraseAsync(Cast.Passphrase, NewPassphrase);

        var stored = await client.PreLoginAsync("moeder.visser");
        Assert.Equal((4L, 16 * 1024 * 1024), (stored.OpsLimit, stored.MemLimitBytes));
        await second.NewClient().LoginAsync("moeder.visser", NewPassphrase, registered.DeviceId, registered.Device);
        var recovered = await second.NewClient().RecoverOnNewDeviceAsync("moeder.visser", NewPassphrase, "tablet");
        Assert.Equal(registered.Fingerprint, recovered.Fingerprint);
        var stale = await Assert.ThrowsAsync<VaultApiException>(() =>
            second.NewClient().LoginAsync("moeder.visser", Cast.Passphrase, registered.DeviceId, registered.Device));
        Assert.Equal(ProblemTypes.InvalidCredentials, stale.ProblemType);
    }
}
