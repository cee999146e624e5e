using Vault.Client;
using Vault.Contracts;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// The document vault on S3 (s3rver standing in for MinIO): the same round trips as on the file system, and an outage
/// of the store in the middle of an upload, which answers 503, loses nothing, and heals when the store returns.
/// </summary>
[Trait("Category", "Storage")]
public sealed class S3DocumentTests : DocumentTestsBase
{
    private readonly S3Server s3;

    public S3DocumentTests() : this(new S3Server())
    {
    }

    private S3DocumentTests(S3Server s3) : base(On(s3)) => this.s3 = s3;

    private static VaultServer On(S3Server s3)
    {
        var server = new VaultServer();
        foreach (var (key, value) in s3.Settings)
        {
            server.Settings[key] = value;
        }
        return server;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        s3.Dispose();
    }

    [Fact]
    public async Task Upload_StoreDownMidway_503NothingLostAndResumesWhenItReturns()
    {
        var length = 3 * DocumentFormat.BlockBytes;
        var checkpoint = Path.Combine(s3.DataDirectory, "upload.checkpoint");
        var stopped = false;
        var options = new UploadOptions
        {
            Name = "verslag.pdf", CheckpointPath = checkpoint, Source = "verslag.pdf",
            Progress = new OnProgress(p =>
            {
                if (!stopped && p.Done > DocumentFormat.BlockBytes + DocumentFormat.ChunkCiphertextBytes)
                {
                    stopped = true;
                    s3.StopAsync().GetAwaiter().GetResult(); // the store goes down while the second block is on its way
                }
            }),
        };

        var down = await Assert.ThrowsAsync<VaultApiException>(() =>
            Krachtgezin.UploadDocumentAsync(FamilyId, "verslag", new PatternStream(length, 21), options));

        Assert.Equal((503, ProblemTypes.StoreUnavailable), (down.Status, down.ProblemType));
        Assert.Empty(await Guardian.ListDocumentsAsync(FamilyId));
        await s3.StartAsync();
        var result = await Krachtgezin.UploadDocumentAsync(FamilyId, "verslag", new PatternStream(length, 21), options with { Progress = null });
        Assert.True(result.Resumed); // the first block survived the outage: the server kept it and said so
        await AssertDownloadsAsync(Guardian, result.DocumentId, 1, length, seed: 21);
    }

    private sealed class OnProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
