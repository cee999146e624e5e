using System.Security.Cryptography;
using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// The document vault end to end through the real SDK on a real socket, on the store a subclass chooses: uploads and
/// downloads of every awkward size byte-exact, versions, the trash, consent, and what an interrupted upload leaves.
/// </summary>
public abstract class DocumentTestsBase : IAsyncLifetime
{
    protected const int Chunk = FileEncryption.ChunkBytes;

    protected DocumentTestsBase(VaultServer server)
    {
        Server = server;
        Cast = new Cast(server);
    }

    protected VaultServer Server { get; }
    protected Cast Cast { get; }
    protected Guid FamilyId { get; private set; }
    protected VaultClient Guardian { get; private set; } = null!;
    protected VaultClient Krachtgezin { get; private set; } = null!;
    protected VaultClient Gemeente { get; private set; } = null!;
    protected VaultClient Coordinator { get; private set; } = null!;
    protected Guid KrachtgezinGrant { get; private set; }

    public virtual async Task InitializeAsync()
    {
        (FamilyId, Coordinator, Guardian) = await Cast.FamilyAsync();
        Krachtgezin = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Krachtgezin, "gezin.de.boer");
        Gemeente = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Gemeente, "gemeente.utrecht");
        KrachtgezinGrant = (await Guardian.GrantAsync(VaultClient.NewGrant(FamilyId, Krachtgezin.Session!.UserId,
            ConsentScopes.Documents("verslag"), Permissions.Write, "verslaglegging"))).Grant.GrantId;
        await Guardian.GrantAsync(VaultClient.NewGrant(FamilyId, Gemeente.Session!.UserId, ConsentScopes.Documents("beschikking"),
            Permissions.Read, "toekenning", "public-task"));
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    protected async Task<UploadResult> UploadAsync(VaultClient who, string category, long length, int seed, Guid? documentId = null,
        string name = "verslag.pdf") =>
        await who.UploadDocumentAsync(FamilyId, category, new PatternStream(length, seed),
            new UploadOptions { DocumentId = documentId, Name = name, ContentType = "application/pdf" });

    protected async Task AssertDownloadsAsync(VaultClient who, Guid documentId, int? version, long length, int seed)
    {
        using var sink = new HashSinkStream();
        var result = await who.DownloadDocumentAsync(FamilyId, documentId, version, sink);
        Assert.Equal(length, sink.Written);
        Assert.Equal(PatternStream.Hash(length, seed), sink.Hash());
        Assert.Equal(length, result.Metadata.Size);
    }

    public static TheoryData<long> EdgeSizes => new() { 0, 1, Chunk, Chunk + 1, 5L * Chunk + 7, 128L * Chunk, 2 * 128L * Chunk + 3 };

    [Theory]
    [MemberData(nameof(EdgeSizes))]
    public async Task UploadDownload_EdgeSizes_ByteExact(long length)
    {
        var uploaded = await UploadAsync(Krachtgezin, "verslag", length, seed: 7);

        Assert.Equal(1, uploaded.Version);
        Assert.Equal(DocumentFormat.CiphertextLength(length), uploaded.Size);
        await AssertDownloadsAsync(Guardian, uploaded.DocumentId, 1, length, seed: 7);
        await AssertDownloadsAsync(Krachtgezin, uploaded.DocumentId, null, length, seed: 7);
    }

    [Fact]
    public async Task UploadDownload_SeveralHundredMiB_ByteExact()
    {
        const long length = 300L * 1024 * 1024 + 12345;
        var uploaded = await UploadAsync(Krachtgezin, "verslag", length, seed: 3);

        await AssertDownloadsAsync(Guardian, uploaded.DocumentId, 1, length, seed: 3);
    }

    [Fact]
    public async Task NewVersion_BothVersionsReadable_HistoryNewestFirst()
    {
        var first = await UploadAsync(Krachtgezin, "verslag", 3 * Chunk, seed: 1, name: "verslag-november.pdf");
        var second = await UploadAsync(Krachtgezin, "verslag", 2 * Chunk + 9, seed: 2, first.DocumentId, name: "verslag-december.pdf");

        Assert.Equal((first.DocumentId, 2), (second.DocumentId, second.Version));
        await AssertDownloadsAsync(Guardian, first.DocumentId, 1, 3 * Chunk, seed: 1);
        await AssertDownloadsAsync(Guardian, first.DocumentId, 2, 2 * Chunk + 9, seed: 2);
        await AssertDownloadsAsync(Guardian, first.DocumentId, null, 2 * Chunk + 9, seed: 2);
        var versions = await Guardian.DocumentVersionsAsync(FamilyId, first.DocumentId);
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        var listed = Assert.Single(await Guardian.ListDocumentsAsync(FamilyId));
        Assert.Equal(("verslag-december.pdf", 2), (listed.Metadata!.Name, listed.Document.CurrentVersion));
    }

    [Fact]
    public async Task Download_AfterWithdrawal_RefusedAtOnce()
    {
        var grant = (await Guardian.GrantAsync(VaultClient.NewGrant(FamilyId, Coordinator.Session!.UserId,
            ConsentScopes.Documents("verslag"), Permissions.Read, "begeleiding"), shareHistory: true)).Grant.GrantId;
        var uploaded = await UploadAsync(Krachtgezin, "verslag", Chunk + 1, seed: 5);
        await Krachtgezin.ShareKeysAsync(FamilyId, ConsentScopes.Documents("verslag"), Coordinator.Session!.UserId);
        await AssertDownloadsAsync(Coordinator, uploaded.DocumentId, 1, Chunk + 1, seed: 5);

        await Guardian.WithdrawGrantAsync(FamilyId, grant);

        var refused = await Assert.ThrowsAsync<VaultApiException>(() =>
            Coordinator.DownloadDocumentAsync(FamilyId, uploaded.DocumentId, 1, new HashSinkStream()));
        Assert.Equal((403, ProblemTypes.NoConsent), (refused.Status, refused.ProblemType));
        Assert.Empty(await Coordinator.ListDocumentsAsync(FamilyId));
    }
}

/// <summary>The document vault on the embedded default store: the local file system.</summary>
public sealed class DocumentTests() : DocumentTestsBase(new VaultServer())
{
}
