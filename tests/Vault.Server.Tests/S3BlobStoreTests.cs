using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Minio;
using Minio.DataModel.Args;
using Vault.Server.Storage;

namespace Vault.Server.Tests;

/// <summary>
/// What only the S3 store does: outages (s3rver stopped and started again), the bucket made on first use, and the
/// checks of Vault:Storage when the server starts. Each test has an s3rver of its own, as some stop it.
/// </summary>
[Trait("Category", "Storage")]
public sealed class S3BlobStoreTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task AnyOperation_S3Down_ThrowsUnavailableAndTheSameStoreWorksOnceS3Returns()
    {
        using var s3 = new S3Server();
        using var store = (S3BlobStore)BlobStoreTests.CreateStore(s3.Settings);
        using var stored = new ContentStream(1000);
        await store.PutAsync("kept", stored, 1000);

        await s3.StopAsync();
        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.PutAsync("new", new ContentStream(10), 10));
        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.OpenReadAsync("kept"));
        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.DeleteAsync("kept"));
        Assert.False(await store.IsReadyAsync());

        await s3.StartAsync();
        Assert.True(await store.IsReadyAsync());
        await BlobStoreTests.AssertHoldsAsync(store, "kept", stored, 1000);
        using var added = new ContentStream(10);
        await store.PutAsync("new", added, 10);
        await BlobStoreTests.AssertHoldsAsync(store, "new", added, 10);
    }

    [Fact]
    public async Task AnyOperation_S3DownFromTheStart_ThrowsUnavailableThenMakesTheBucketOnceS3Returns()
    {
        using var s3 = new S3Server();
        await s3.StopAsync();
        using var store = (S3BlobStore)BlobStoreTests.CreateStore(s3.Settings); // contacts nothing yet

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.OpenReadAsync("key"));
        Assert.False(await store.IsReadyAsync());

        await s3.StartAsync();
        Assert.False(await BucketExistsAsync(s3));
        using var content = new ContentStream(10);
        await store.PutAsync("key", content, 10);
        Assert.True(await BucketExistsAsync(s3));
        await BlobStoreTests.AssertHoldsAsync(store, "key", content, 10);
    }

    [Fact]
    public async Task Read_S3StopsMidObject_ThrowsUnavailable()
    {
        // 64 MiB: more than the loopback socket buffers and the pipe can hold, so most of it is still in s3rver.
        const long size = 64L * MiB;
        using var s3 = new S3Server();
        using var store = (S3BlobStore)BlobStoreTests.CreateStore(s3.Settings);
        await store.PutAsync("large", new ContentStream(size), size);
        await using var read = await store.OpenReadAsync("large");
        var buffer = new byte[64 * 1024];
        Assert.True(await read!.ReadAsync(buffer) > 0);

        await s3.StopAsync();

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(async () =>
        {
            while (await read.ReadAsync(buffer) > 0)
            {
            }
        });
    }

    [Fact]
    public async Task AnyOperation_UnknownAccessKey_ThrowsUnavailable()
    {
        // s3rver checks the access key (not the signature): a wrong key is refused, as a real S3 would refuse it.
        using var s3 = new S3Server();
        var settings = s3.Settings;
        settings["Vault:Storage:S3:AccessKey"] = "NOT-A-KEY";
        using var store = (S3BlobStore)BlobStoreTests.CreateStore(settings);

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.PutAsync("key", new ContentStream(10), 10));
        Assert.False(await store.IsReadyAsync());
    }

    [Fact]
    public async Task Start_S3Storage_ReadyAndDocumentsLandInTheBucket()
    {
        using var s3 = new S3Server();
        using var server = new VaultServer();
        Merge(server, s3.Settings);
        using var http = server.NewHttp();

        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("blob-store").GetString());
        var store = server.Services.GetRequiredService<IBlobStore>();
        Assert.IsType<S3BlobStore>(store);
        await store.PutAsync("documents/x", new ContentStream(10), 10);
        Assert.True(File.Exists(Path.Combine(s3.DataDirectory, s3.Bucket, "documents", "x._S3rver_object")));
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "blobs", "documents")));
    }

    [Fact]
    public async Task Start_S3Down_ServerStartsNotReadyAndItsStoreWorksOnceS3Returns()
    {
        using var s3 = new S3Server();
        await s3.StopAsync();
        using var server = new VaultServer();
        Merge(server, s3.Settings);
        using var http = server.NewHttp();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        var store = server.Services.GetRequiredService<IBlobStore>();
        Assert.False(await store.IsReadyAsync());

        await s3.StartAsync();
        Assert.True(await store.IsReadyAsync()); // no restart (/health/ready would tell after its 30 s probe interval)
    }

    [Fact]
    public async Task Start_SecretsInFiles_ReadAsComposePassesThem()
    {
        using var s3 = new S3Server();
        using var server = new VaultServer();
        var secrets = Path.Combine(server.DataDirectory + "-secrets");
        Directory.CreateDirectory(secrets);
        try
        {
            // With their line feed, as `echo KEY > file` leaves it: s3rver refuses an access key it does not know.
            File.WriteAllText(Path.Combine(secrets, "access"), "S3RVER\n");
            File.WriteAllText(Path.Combine(secrets, "secret"), "S3RVER\n");
            var settings = s3.Settings;
            settings.Remove("Vault:Storage:S3:AccessKey");
            settings.Remove("Vault:Storage:S3:SecretKey");
            settings["Vault:Storage:S3:AccessKeyFile"] = Path.Combine(secrets, "access");
            settings["Vault:Storage:S3:SecretKeyFile"] = Path.Combine(secrets, "secret");
            Merge(server, settings);

            Assert.True(await server.Services.GetRequiredService<IBlobStore>().IsReadyAsync());
        }
        finally
        {
            Directory.Delete(secrets, recursive: true);
        }
    }

    [Theory]
    [InlineData("s3.internal:9000", "false")]
    [InlineData("http://s3.internal:9000", "true")]
    [InlineData("10.0.0.5:9000", "false")]
    public void Start_PlainHttpToANetworkAddress_RefusedNamingAllowPlainHttp(string endpoint, string useSsl) =>
        AssertStartRefused(new()
        {
            ["Vault:Storage:Provider"] = "s3", ["Vault:Storage:S3:Endpoint"] = endpoint, ["Vault:Storage:S3:UseSsl"] = useSsl,
            ["Vault:Storage:S3:AccessKey"] = "vault", ["Vault:Storage:S3:SecretKey"] = "hunter2-secret",
        }, "is plain http on a network address", "Vault:Storage:S3:AllowPlainHttp");

    [Theory]
    [InlineData("s3.internal:9000", "false", "true")] // a private network, said so
    [InlineData("https://s3.example.nl", "false", "false")] // the scheme decides
    [InlineData("localhost:9000", "false", "false")]
    public async Task Start_TlsLoopbackOrAllowedPlainHttp_Starts(string endpoint, string useSsl, string allowPlainHttp)
    {
        using var server = new VaultServer();
        Merge(server, new()
        {
            ["Vault:Storage:Provider"] = "s3", ["Vault:Storage:S3:Endpoint"] = endpoint, ["Vault:Storage:S3:UseSsl"] = useSsl,
            ["Vault:Storage:S3:AllowPlainHttp"] = allowPlainHttp, ["Vault:Storage:S3:AccessKey"] = "vault", ["Vault:Storage:S3:SecretKey"] = "secret",
        });
        using var http = server.NewHttp();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    [Theory]
    [InlineData("Vault:Storage:Provider", "azure", "Vault:Storage:Provider is \"azure\": use \"filesystem\"")]
    [InlineData("Vault:Storage:S3:Endpoint", "", "Vault:Storage:S3:Endpoint is not set")]
    [InlineData("Vault:Storage:S3:Endpoint", "https://s3.example.nl/path", "without path")]
    [InlineData("Vault:Storage:S3:Endpoint", "https://vault:hunter2@s3.example.nl", "without path or credentials")]
    [InlineData("Vault:Storage:S3:Bucket", "Vault_Docs", "is not a valid bucket name")]
    [InlineData("Vault:Storage:S3:SecretKey", "", "neither Vault:Storage:S3:SecretKey nor Vault:Storage:S3:SecretKeyFile is set")]
    [InlineData("Vault:Storage:S3:AccessKeyFile", "/run/secrets/s3-access", "Both Vault:Storage:S3:AccessKey and Vault:Storage:S3:AccessKeyFile are set")]
    [InlineData("Vault:Storage:S3:SecretKeyFile", "/nonexistent/s3-secret", "Vault:Storage:S3:SecretKeyFile /nonexistent/s3-secret cannot be read")]
    public void Start_BadStorageSetting_RefusedSayingWhatToFix(string key, string value, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["Vault:Storage:Provider"] = "s3", ["Vault:Storage:S3:Endpoint"] = "https://s3.example.nl",
            ["Vault:Storage:S3:AccessKey"] = "vault", ["Vault:Storage:S3:SecretKey"] = "hunter2-secret",
        };
        if (key.EndsWith("SecretKeyFile", StringComparison.Ordinal))
        {
            settings.Remove("Vault:Storage:S3:SecretKey");
        }
        settings[key] = value;
        AssertStartRefused(settings, message);
    }

    private static void AssertStartRefused(Dictionary<string, string> settings, params string[] expected)
    {
        using var server = new VaultServer();
        Merge(server, settings);
        var refused = Assert.ThrowsAny<Exception>(() => server.NewHttp());
        var messages = new List<string>();
        for (Exception? e = refused; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }
        var all = string.Join(" | ", messages);
        foreach (var message in expected)
        {
            Assert.Contains(message, all, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("hunter2", all, StringComparison.Ordinal);
    }

    private static void Merge(VaultServer server, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            server.Settings[key] = value;
        }
    }

    private static async Task<bool> BucketExistsAsync(S3Server s3)
    {
        using var client = new MinioClient().WithEndpoint(s3.Endpoint).WithCredentials("S3RVER", "S3RVER").WithSSL(false).Build();
        return await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(s3.Bucket));
    }
}
