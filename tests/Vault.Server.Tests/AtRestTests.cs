using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// What lies on the server's disk: a data directory only the server's user can enter or read, server keys and
/// data-protection keys sealed under a key-encryption key from outside it, and a readiness probe that does not write
/// on every call.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AtRestTests : IDisposable
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;
    private readonly string data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
    private readonly string secrets = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));

    public AtRestTests() => Directory.CreateDirectory(secrets);

    public void Dispose()
    {
        foreach (var directory in new[] { data, secrets }.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task DataDirectory_AfterUse_EveryFileAndDirectoryPrivate()
    {
        // What an older version left behind, world-readable, is tightened too.
        Directory.CreateDirectory(Path.Combine(data, "blobs", "old"));
        File.SetUnixFileMode(Path.Combine(data, "blobs", "old"), PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.OtherExecute);
        await File.WriteAllTextAsync(Path.Combine(data, "blobs", "old", "leftover"), "x");
        File.SetUnixFileMode(Path.Combine(data, "blobs", "old", "leftover"), PrivateFile | UnixFileMode.OtherRead);

        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            var (familyId, coordinator, guardian) = await new Cast(server).FamilyAsync();
            var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
            await guardian.SendAsync(familyId, channel.Id, "de database, het logboek en de sleutels");
            if (server.PostgresConnectionString is null)
            {
                Assert.True(File.Exists(server.DatabaseFile + "-wal")); // SQLite's -wal and -shm exist now (PostgreSQL keeps its files elsewhere)
            }
            AssertPrivate(data);
        }
    }

    [Fact]
    public async Task KeysAtRest_WithKeyEncryptionKey_SealedAndUsableOnlyWithThatKey()
    {
        var kek = NewKekFile("kek");
        string secret;
        Guid deviceId;
        DeviceKeys device;
        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true, Settings = { ["Vault:KeyEncryptionKeyFile"] = kek } })
        {
            (secret, deviceId, device) = await RegisterAdminAsync(server);
        }
        AssertSealed();

        // The same key opens everything again: the token keys, and the data-protection key behind the TOTP secret.
        using (var again = new VaultServer { DataDirectoryOverride = data, KeepData = true, Settings = { ["Vault:KeyEncryptionKeyFile"] = kek } })
        {
            await again.NewClient().LoginAsync("admin", Cast.Passphrase, deviceId, device, VaultServer.TotpCode(secret, 1));
        }
        AssertStartRefused(new Dictionary<string, string>(), "Vault:KeyEncryptionKeyFile");
        AssertStartRefused(new() { ["Vault:KeyEncryptionKeyFile"] = NewKekFile("other") }, "does not open");
    }

    [Fact]
    public async Task KeysAtRest_KeyEncryptionKeyAddedLater_PlainKeysSealedAtStart()
    {
        string secret;
        Guid deviceId;
        DeviceKeys device;
        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            (secret, deviceId, device) = await RegisterAdminAsync(server);
        }
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(data, "keys")), f => !IsSealed(f));
        using (var sealedServer = new VaultServer { DataDirectoryOverride = data, KeepData = true,
                   Settings = { ["Vault:KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) } })
        {
            await sealedServer.NewClient().LoginAsync("admin", Cast.Passphrase, deviceId, device, VaultServer.TotpCode(secret, 1));
        }
        AssertSealed();
    }

    [Fact]
    public void KeyEncryptionKeyFile_Missing_RefusedWithWhatToDo() =>
        AssertStartRefused(new() { ["Vault:KeyEncryptionKeyFile"] = Path.Combine(secrets, "nothing-here") }, "openssl rand -base64 32");

    [Fact]
    public async Task KeyEncryptionKeyFile_InsideTheDataDirectory_Refused()
    {
        Directory.CreateDirectory(data);
        var inside = Path.Combine(data, "kek");
        await File.WriteAllTextAsync(inside, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        AssertStartRefused(new() { ["Vault:KeyEncryptionKeyFile"] = inside }, "outside the data directory");
    }

    [Fact]
    public async Task Ready_PolledRepeatedly_WritesNothingAfterTheFirstProbe()
    {
        // The clock stands still: however slow this machine, all the polls fall within one probe interval.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new VaultServer
        {
            DataDirectoryOverride = data, KeepData = true, ConfigureTestServices = s => s.AddSingleton<TimeProvider>(clock),
        };
        using var http = server.NewHttp();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var before = Snapshot(Path.Combine(data, "blobs"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        }
        Assert.Equal(before, Snapshot(Path.Combine(data, "blobs")));
    }

    /// <summary>The admin, logged in once; its TOTP secret and first device, to log in again after a restart.</summary>
    private static async Task<(string Secret, Guid DeviceId, DeviceKeys Device)> RegisterAdminAsync(VaultServer server)
    {
        var admin = server.NewClient();
        var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Cast.Passphrase, "laptop");
        await admin.LoginAsync("admin", Cast.Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(registered.Totp!.Secret));
        return (registered.Totp.Secret, registered.DeviceId, admin.Session.Device);
    }

    private void AssertSealed()
    {
        var keys = Path.Combine(data, "keys");
        Assert.All(Directory.EnumerateFiles(keys), file => Assert.True(IsSealed(file), file + " is not sealed"));
        var protection = Directory.EnumerateFiles(Path.Combine(keys, "data-protection"), "*.xml").ToList();
        Assert.NotEmpty(protection);
        Assert.All(protection, file =>
        {
            var xml = File.ReadAllText(file);
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal); // the master key itself
        });
    }

    private static bool IsSealed(string file) => File.ReadAllBytes(file).AsSpan().StartsWith("vault.sealed.v1\n"u8);

    private void AssertStartRefused(Dictionary<string, string> settings, string message)
    {
        var server = new VaultServer { DataDirectoryOverride = data, KeepData = true };
        foreach (var (key, value) in settings)
        {
            server.Settings[key] = value;
        }
        using (server)
        {
            var refused = Assert.ThrowsAny<Exception>(() => server.NewHttp());
            var messages = new List<string>();
            for (Exception? e = refused; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }
            Assert.Contains(message, string.Join(" | ", messages), StringComparison.Ordinal);
        }
    }

    private string NewKekFile(string name)
    {
        var path = Path.Combine(secrets, name);
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    }

    private static void AssertPrivate(string root)
    {
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(root));
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            Assert.True(entry.UnixFileMode == (entry is DirectoryInfo ? PrivateDirectory : PrivateFile),
                $"{entry.FullName} is {entry.UnixFileMode}");
        }
    }

    private static string Snapshot(string root) => string.Join("\n", new DirectoryInfo(root)
        .EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Append(new DirectoryInfo(root))
        .Select(e => $"{e.FullName} {e.LastWriteTimeUtc.Ticks} {(e as FileInfo)?.Length}").Order(StringComparer.Ordinal));
}
