using Vault.Client;
using Vault.Contracts;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

/// <summary>
/// The server streams documents: its peak memory does not grow with a file's size. Measured on a server process of its
/// own (the test process holds the client too), as its peak resident memory after a 128 MiB round trip and after a
/// 768 MiB one; the bound is +64 MiB for a file sixteen times the size.
/// </summary>
public sealed class DocumentMemoryTests(ITestOutputHelper output)
{
    private const long Small = 128L * 1024 * 1024, Large = 768L * 1024 * 1024, Bound = 64L * 1024 * 1024;

    [Fact]
    public async Task UploadDownload_LargeFile_ServerPeakMemoryStaysFlat()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string> { ["Vault:DataDirectory"] = data };
        VaultClient guardian;
        Guid familyId;
        using (var setup = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            (familyId, _, guardian) = await new Cast(setup).FamilyAsync();
            if (setup.PostgresConnectionString is { } postgres)
            {
                settings["Vault:Database:Provider"] = "postgres";
                settings["Vault:Database:ConnectionString"] = postgres;
            }
        }
        try
        {
            using var node = await NodeProcess.StartAsync(settings);
            var client = node.Client(guardian);
            var small = await RoundTripAsync(client, familyId, Small, seed: 1);
            var afterSmall = node.PeakMemoryBytes;
            var large = await RoundTripAsync(client, familyId, Large, seed: 2);
            var afterLarge = node.PeakMemoryBytes;

            output.WriteLine($"server peak after {Small >> 20} MiB: {afterSmall >> 20} MiB; after {Large >> 20} MiB: {afterLarge >> 20} MiB");
            Assert.True(small && large, "a round trip was not byte-exact");
            Assert.True(afterLarge - afterSmall < Bound,
                $"the server's peak grew by {(afterLarge - afterSmall) >> 20} MiB for a file {Large / Small} times the size");
        }
        finally
        {
            using var cleanup = new VaultServer { DataDirectoryOverride = data };
            cleanup.NewHttp().Dispose(); // started once so that disposing removes its data (and its PostgreSQL database)
        }
    }

    private static async Task<bool> RoundTripAsync(VaultClient client, Guid familyId, long length, int seed)
    {
        var uploaded = await client.UploadDocumentAsync(familyId, "plan", new PatternStream(length, seed), new UploadOptions { Name = "groot.bin" });
        using var sink = new HashSinkStream();
        await client.DownloadDocumentAsync(familyId, uploaded.DocumentId, uploaded.Version, sink);
        return sink.Written == length && sink.Hash().AsSpan().SequenceEqual(PatternStream.Hash(length, seed));
    }
}
