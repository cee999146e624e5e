using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Tests;

/// <summary>A round cut short by the blob store failing half-way: never half a state, and the next round finishes it.</summary>
public sealed class RetentionCutShortTests() : RetentionScenario(NewServer())
{
    private FlakyStore Store => (FlakyStore)Server.Services.GetRequiredService<IBlobStore>();

    [Fact]
    public async Task Round_StoreFailsHalfway_LeavesConsistentStateAndNextRoundFinishes()
    {
        // Five overig documents in batches of two; the store fails on its fourth delete: the second batch is cut short.
        var family = First.FamilyId;
        for (var i = 1; i < 5; i++)
        {
            await UploadAsync(family, "overig", 50 + i, seed: i);
        }
        Ended(family, 6);
        Store.DeletesLeft = 3;

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => Job.RunRoundAsync(CancellationToken.None));

        // The first batch is gone whole; the second kept its rows (one lost its object: rows only, never an orphan object).
        Assert.Equal(3L, Documents(family, "overig"));
        Assert.Equal(4L, Count("SELECT COUNT(*) FROM DocumentVersions WHERE FamilyId = @f", ("f", family))); // and the verslag
        AssertEveryObjectHasARow();

        Store.DeletesLeft = int.MaxValue;
        var round = await Job.RunRoundAsync(CancellationToken.None);

        Assert.Equal(3, round.Documents);
        Assert.Equal(0L, Documents(family, "overig"));
        Assert.Equal(1L, Documents(family, "verslag"));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM UploadSegments s JOIN DocumentUploads u ON u.Id = s.UploadId WHERE u.Category = 'overig'"));
        AssertEveryObjectHasARow();
        Assert.Single(Directory.GetFiles(Path.Combine(Server.DataDirectory, "blobs", "documents"), "*", SearchOption.AllDirectories));
        // Audited before each attempt, with what was left to purge.
        Assert.Equal(["retention.documents.purged retention/category/overig/5", "retention.documents.purged retention/category/overig/3",
            "retention.messages.purged retention/channels/messages/3"], RetentionEntries(family));
    }

    private static VaultServer NewServer()
    {
        var server = new VaultServer
        {
            ConfigureTestServices = services => services.AddSingleton<IBlobStore>(sp => new FlakyStore(
                StorageModule.CreateStore(sp.GetRequiredService<IOptions<VaultOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()))),
        };
        server.Settings["Vault:Retention:BatchSize"] = "2";
        return server;
    }

    /// <summary>The real store, whose deletes fail as an unreachable store's do once <see cref="DeletesLeft"/> runs out.</summary>
    private sealed class FlakyStore(IBlobStore inner) : IBlobStore
    {
        private int deletesLeft = int.MaxValue;

        public int DeletesLeft { get => deletesLeft; set => deletesLeft = value; }

        public Task PutAsync(string key, Stream content, long length, CancellationToken ct = default) => inner.PutAsync(key, content, length, ct);
        public Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default) => inner.OpenReadAsync(key, ct);
        public Task<bool> IsReadyAsync(CancellationToken ct = default) => inner.IsReadyAsync(ct);

        public Task DeleteAsync(string key, CancellationToken ct = default) =>
            Interlocked.Decrement(ref deletesLeft) < 0 ? throw new BlobStoreUnavailableException("The store is down.") : inner.DeleteAsync(key, ct);
    }
}
