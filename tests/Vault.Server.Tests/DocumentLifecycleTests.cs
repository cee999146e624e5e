using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;
using Vault.Server.Documents;

namespace Vault.Server.Tests;

/// <summary>
/// What happens to documents over time: an upload killed halfway, resumed or never; the trash and its retention; quotas
/// and size limits; the gemeente's narrow view. Time passes by moving the stored times back (moving a fake clock a month
/// would fire every periodic timer of the server once per period in between).
/// </summary>
public sealed class DocumentLifecycleTests() : DocumentScenario(new VaultServer())
{
    private string Blobs => Path.Combine(Server.DataDirectory, "blobs", "documents");

    private DocumentSweeper Sweeper => Server.Services.GetRequiredService<DocumentSweeper>();

    [Fact]
    public async Task Upload_KilledHalfwayNeverResumed_LeavesNothingVisibleOrUntrackedOnceExpired()
    {
        var checkpoint = Path.Combine(Server.DataDirectory, "..", Guid.NewGuid().ToString("N") + ".upload");
        await KillAfterFirstBlockAsync(Krachtgezin, checkpoint, 3 * DocumentFormat.BlockBytes);
        Assert.NotEmpty(Directory.GetFiles(Blobs, "*", SearchOption.AllDirectories)); // a block arrived, and is stored
        Assert.Empty(await Krachtgezin.ListDocumentsAsync(FamilyId));
        Assert.Empty(await Guardian.ListDocumentsAsync(FamilyId));

        Server.Sql("UPDATE DocumentUploads SET ExpiresAt = @t", ("t", DateTimeOffset.UtcNow.AddMinutes(-1)));
        await Sweeper.SweepAsync(CancellationToken.None);
        Assert.Empty(Directory.GetFiles(Blobs, "*", SearchOption.AllDirectories));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM DocumentUploads"));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM UploadSegments"));
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'document.upload.expired'"));
        File.Delete(checkpoint);
    }

    [Fact]
    public async Task Upload_KilledThenRunAgain_ResumesFromTheServersOffsetAndCompletesByteExact()
    {
        var length = 3 * DocumentFormat.BlockBytes + 777;
        var checkpoint = Path.Combine(Server.DataDirectory, "..", Guid.NewGuid().ToString("N") + ".upload");
        await KillAfterFirstBlockAsync(Krachtgezin, checkpoint, length);

        var first = -1L;
        var result = await Krachtgezin.UploadDocumentAsync(FamilyId, "verslag", new PatternStream(length, 11), new UploadOptions
        {
            Name = "verslag.pdf", CheckpointPath = checkpoint, Source = "verslag.pdf",
            Progress = new SyncProgress(p => first = first < 0 ? p.Done : first),
        });

        Assert.True(result.Resumed);
        Assert.True(first > DocumentFormat.BlockBytes, $"the second run started at {first}, not after the stored block");
        Assert.False(File.Exists(checkpoint));
        await AssertDownloadsAsync(Guardian, result.DocumentId, 1, length, seed: 11);
    }

    [Fact]
    public async Task Trash_DeleteRestoreThenPurgeAfterRetention_FollowsTheFamily()
    {
        var uploaded = await UploadAsync(Krachtgezin, "verslag", 2 * Chunk, seed: 4);
        await Krachtgezin.DeleteDocumentAsync(FamilyId, uploaded.DocumentId);

        Assert.Empty(await Guardian.ListDocumentsAsync(FamilyId));
        var trashed = Assert.Single(await Guardian.ListDocumentsAsync(FamilyId, trash: true));
        Assert.Equal(trashed.Document.DeletedAt!.Value.AddDays(30), trashed.Document.PurgeAt);
        var gone = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.DownloadDocumentAsync(FamilyId, uploaded.DocumentId, 1, new HashSinkStream()));
        Assert.Equal(404, gone.Status);

        await Guardian.RestoreDocumentAsync(FamilyId, uploaded.DocumentId);
        await AssertDownloadsAsync(Guardian, uploaded.DocumentId, 1, 2 * Chunk, seed: 4);

        await Guardian.DeleteDocumentAsync(FamilyId, uploaded.DocumentId);
        Server.Sql("UPDATE Documents SET DeletedAt = @t", ("t", DateTimeOffset.UtcNow.AddDays(-30).AddMinutes(-1)));
        var late = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.RestoreDocumentAsync(FamilyId, uploaded.DocumentId));
        Assert.Equal(404, late.Status);
        await Sweeper.SweepAsync(CancellationToken.None);
        Assert.Empty(Directory.GetFiles(Blobs, "*", SearchOption.AllDirectories));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM DocumentVersions"));
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'document.purged'"));
    }

    [Fact]
    public async Task Gemeente_SeesOnlyWhatItsGrantsAllow()
    {
        var wijkcoach = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Wijkcoach, "wijkcoach.noord");
        await Guardian.GrantAsync(VaultClient.NewGrant(FamilyId, wijkcoach.Session!.UserId, ConsentScopes.Documents("beschikking"),
            Permissions.Write, "beschikking delen", "public-task"));
        var beschikking = await UploadAsync(wijkcoach, "beschikking", Chunk + 3, seed: 8, name: "beschikking.pdf");
        var verslag = await UploadAsync(Krachtgezin, "verslag", Chunk, seed: 9);

        var seen = await Gemeente.ListDocumentsAsync(FamilyId);

        Assert.Equal([beschikking.DocumentId], seen.Select(d => d.Document.Id));
        await AssertDownloadsAsync(Gemeente, beschikking.DocumentId, 1, Chunk + 3, seed: 8);
        var refused = await Assert.ThrowsAsync<VaultApiException>(() =>
            Gemeente.DownloadDocumentAsync(FamilyId, verslag.DocumentId, 1, new HashSinkStream()));
        Assert.Equal((403, ProblemTypes.NoConsent), (refused.Status, refused.ProblemType));
        var upload = await Assert.ThrowsAsync<VaultApiException>(() => UploadAsync(Gemeente, "beschikking", 10, seed: 1));
        Assert.Equal((403, ProblemTypes.NoConsent), (upload.Status, upload.ProblemType));

        // The family's audit trail names both reads: the one served and the one refused, each with who and what.
        var gemeente = Gemeente.Session!.UserId;
        Assert.Equal(1L, Count($"SELECT COUNT(*) FROM AuditEntries WHERE Action = 'document.content.read' AND Allowed = TRUE AND ActorUserId = @u"
            + $" AND Resource = 'documents:beschikking/{beschikking.DocumentId}/v1/content' AND Purpose = 'toekenning'", ("u", gemeente)));
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'document.version.read' AND Allowed = FALSE AND ActorUserId = @u"
            + $" AND Resource = 'documents:verslag/{verslag.DocumentId}/v1'", ("u", gemeente)));
    }

    [Fact]
    public async Task Upload_GrantWithdrawnMidway_NextPatchRefusedAtOnce()
    {
        var checkpoint = Path.Combine(Server.DataDirectory, "..", Guid.NewGuid().ToString("N") + ".upload");
        await KillAfterFirstBlockAsync(Krachtgezin, checkpoint, 3 * DocumentFormat.BlockBytes);

        await Guardian.WithdrawGrantAsync(FamilyId, KrachtgezinGrant);

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => Krachtgezin.UploadDocumentAsync(FamilyId, "verslag",
            new PatternStream(3 * DocumentFormat.BlockBytes, 11), new UploadOptions { CheckpointPath = checkpoint, Source = "verslag.pdf" }));
        Assert.Equal((403, ProblemTypes.NoConsent), (refused.Status, refused.ProblemType));
        Assert.Equal(DocumentFormat.BlockStart(1), Count("SELECT MAX(\"Offset\") FROM DocumentUploads")); // not a byte more arrived
        Assert.Empty(await Guardian.ListDocumentsAsync(FamilyId));
        File.Delete(checkpoint);
    }

    [Theory]
    [InlineData("Vault:Documents:MaxFileBytes", ProblemTypes.PayloadTooLarge)]
    [InlineData("Vault:Documents:FamilyQuotaBytes", ProblemTypes.QuotaExceeded)]
    public async Task Create_BeyondLimits_RefusedWithClearProblemAndNothingStored(string setting, string type)
    {
        await using var limited = new LimitedServer(setting, (2 * Chunk).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UploadAsync(Krachtgezin, "verslag", Chunk, seed: 1); // the main server is unaffected
        var (familyId, _, guardian) = await limited.Cast.FamilyAsync("q");

        await LimitedServer.UploadAsync(guardian, familyId, Chunk, seed: 1); // fits
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => LimitedServer.UploadAsync(guardian, familyId, 2 * Chunk, seed: 2));

        Assert.Equal((413, type), (refused.Status, refused.ProblemType));
        Assert.False(string.IsNullOrEmpty(refused.Detail));
        Assert.Single(await guardian.ListDocumentsAsync(familyId));
    }

    private long Count(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(Server.Scalar(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Uploads the first 8 MiB block, then "kills" the client: its token is cancelled as the second block starts.</summary>
    private async Task KillAfterFirstBlockAsync(VaultClient who, string checkpoint, long length)
    {
        using var kill = new CancellationTokenSource();
        var options = new UploadOptions
        {
            Name = "verslag.pdf", CheckpointPath = checkpoint, Source = "verslag.pdf",
            Progress = new SyncProgress(p =>
            {
                if (p.Done > DocumentFormat.BlockBytes)
                {
                    kill.Cancel();
                }
            }),
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            who.UploadDocumentAsync(FamilyId, "verslag", new PatternStream(length, 11), options, kill.Token));
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late to act on).</summary>
    private sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    private sealed class LimitedServer : IAsyncDisposable
    {
        private readonly VaultServer server = new();

        public LimitedServer(string setting, string value)
        {
            server.Settings[setting] = value;
            Cast = new Cast(server);
        }

        public Cast Cast { get; }

        public static Task<UploadResult> UploadAsync(VaultClient who, Guid familyId, long length, int seed) =>
            who.UploadDocumentAsync(familyId, "plan", new PatternStream(length, seed), new UploadOptions { Name = "plan.pdf" });

        public ValueTask DisposeAsync()
        {
            server.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
