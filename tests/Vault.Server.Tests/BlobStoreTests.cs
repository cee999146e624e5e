using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Tests;

/// <summary>
/// The blob store contract, the same tests against both stores: the file system (the embedded default) and S3 (s3rver).
/// They barely touch the database, so they run in the SQLite run only (Category=Storage, see test.sh).
/// </summary>
[Trait("Category", "Storage")]
public sealed class BlobStoreTests(S3Server s3) : IClassFixture<S3Server>, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
    private readonly List<IBlobStore> stores = [];

    public static TheoryData<string> Providers => new() { "filesystem", "s3" };

    // 20 MiB is above the SDK's multipart threshold (5 MiB, parts of 16 MiB): two parts.
    public static TheoryData<string, long> RoundTrips => Each(0, 1, 64 * 1024, 20 * MiB);

    // Declared length, bytes the content holds: short and long, in one request and in parts.
    public static TheoryData<string, long, long> WrongLengths
    {
        get
        {
            var data = new TheoryData<string, long, long>();
            foreach (var provider in new[] { "filesystem", "s3" })
            {
                foreach (var (declared, holds) in new (long, long)[] { (10, 9), (10, 11), (0, 1), (1, 0), (20 * MiB, 20 * MiB - 1), (20 * MiB, 20 * MiB + 1), (16 * MiB, 16 * MiB + 1) })
                {
                    data.Add(provider, declared, holds);
                }
            }
            return data;
        }
    }

    public static TheoryData<string, long> FailingSizes => Each(1000, 20 * MiB);

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task PutAsync_ThenOpenReadAsync_ReturnsTheSameBytes(string provider, long size)
    {
        var store = Store(provider);
        var key = NewKey();
        using var content = new ContentStream(size);

        await store.PutAsync(key, content, size);

        await AssertHoldsAsync(store, key, content, size);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OpenReadAsync_MissingKey_ReturnsNull(string provider)
    {
        var store = Store(provider);
        Assert.Null(await store.OpenReadAsync(NewKey()));
        Assert.Null(await store.OpenReadAsync("never-used-folder/" + Guid.NewGuid().ToString("N")));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DeleteAsync_MissingOrStoredKey_SucceedsAndTheObjectIsGone(string provider)
    {
        var store = Store(provider);
        await store.DeleteAsync(NewKey());
        await store.DeleteAsync("never-used-folder/" + Guid.NewGuid().ToString("N"));

        var key = NewKey();
        await store.PutAsync(key, new ContentStream(10), 10);
        await store.DeleteAsync(key);
        Assert.Null(await store.OpenReadAsync(key));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task PutAsync_ExistingKey_ReplacesTheObject(string provider)
    {
        var store = Store(provider);
        var key = NewKey();
        await store.PutAsync(key, new ContentStream(1000), 1000);
        using var replacement = new ContentStream(300);

        await store.PutAsync(key, replacement, 300);

        await AssertHoldsAsync(store, key, replacement, 300);
    }

    [Theory]
    [MemberData(nameof(WrongLengths))]
    public async Task PutAsync_ContentOfAnotherLength_ThrowsInvalidDataAndLeavesNoObject(string provider, long declared, long holds)
    {
        var store = Store(provider);
        var key = NewKey();

        await Assert.ThrowsAsync<InvalidDataException>(() => store.PutAsync(key, new ContentStream(holds), declared));

        Assert.Null(await store.OpenReadAsync(key));
    }

    [Theory]
    [MemberData(nameof(FailingSizes))]
    public async Task PutAsync_ContentThrows_PassesItsExceptionOnAndKeepsWhatWasStored(string provider, long size)
    {
        var store = Store(provider);
        var (fresh, stored) = (NewKey(), NewKey());
        using var before = new ContentStream(size + 1);
        await store.PutAsync(stored, before, size + 1);
        // An IOException on purpose: a request body that breaks off is one, and it is the caller's, not the store's.
        var failure = new IOException("the client went away");

        Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => store.PutAsync(fresh, new ContentStream(size, failure), size)));
        Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => store.PutAsync(stored, new ContentStream(size, failure), size)));

        Assert.Null(await store.OpenReadAsync(fresh));
        await AssertHoldsAsync(store, stored, before, size + 1);
    }

    [Theory]
    [MemberData(nameof(FailingSizes))]
    public async Task PutAsync_CancelledMidway_ThrowsOperationCanceledAndLeavesNoObject(string provider, long size)
    {
        var store = Store(provider);
        var key = NewKey();
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.PutAsync(key, new ContentStream(size, onHalfway: cancel.Cancel), size, cancel.Token));

        Assert.Null(await store.OpenReadAsync(key));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AnyOperation_KeyNotAServerMadeId_ThrowsArgumentException(string provider)
    {
        var store = Store(provider);
        foreach (var key in new[] { "../escape", "/absolute", "a//b", "a/", "Upper", "a.b", "a\n", "" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, new ContentStream(1), 1));
            await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task IsReadyAsync_StoreWorks_ReturnsTrue(string provider) =>
        Assert.True(await Store(provider).IsReadyAsync());

    [Fact]
    public async Task FileSystem_DirectoryUnusable_PutThrowsUnavailableAndIsReadyIsFalse()
    {
        // A file where the blob directory should be (as root, permissions would not stop the test's writes).
        var root = Path.Combine(dataDirectory, "not-a-directory");
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllTextAsync(root, "");
        var store = new FileSystemBlobStore(root);

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.PutAsync(NewKey(), new ContentStream(10), 10));
        Assert.False(await store.IsReadyAsync());
    }

    public void Dispose()
    {
        foreach (var store in stores)
        {
            (store as IDisposable)?.Dispose();
        }
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // no test wrote to it
        }
    }

    /// <summary>The store <paramref name="settings"/> configure, as the server makes it (binding included).</summary>
    internal static IBlobStore CreateStore(Dictionary<string, string> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();
        var options = configuration.GetSection(VaultOptions.Section).Get<VaultOptions>() ?? new VaultOptions();
        return StorageModule.CreateStore(options, NullLoggerFactory.Instance);
    }

    private IBlobStore Store(string provider)
    {
        var store = CreateStore(provider == "s3" ? s3.Settings : new() { ["Vault:DataDirectory"] = dataDirectory });
        Assert.IsType(provider == "s3" ? typeof(S3BlobStore) : typeof(FileSystemBlobStore), store);
        stores.Add(store);
        return store;
    }

    /// <summary>The object under <paramref name="key"/> is what <paramref name="content"/> handed out (hashes, streamed).</summary>
    internal static async Task AssertHoldsAsync(IBlobStore store, string key, ContentStream content, long size)
    {
        await using var read = await store.OpenReadAsync(key);
        Assert.NotNull(read);
        var (sha256, length) = await ContentStream.HashAsync(read);
        Assert.Equal(size, length);
        Assert.Equal(content.Sha256, sha256);
    }

    private static string NewKey() => "test/" + Guid.NewGuid().ToString("N");

    private static TheoryData<string, long> Each(params long[] sizes)
    {
        var data = new TheoryData<string, long>();
        foreach (var provider in new[] { "filesystem", "s3" })
        {
            foreach (var size in sizes)
            {
                data.Add(provider, size);
            }
        }
        return data;
    }
}
