using System.Security.Cryptography;
using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>A family with a krachtgezin who may write verslagen and a gemeente that may read beschikkingen.</summary>
public abstract class DocumentScenario : IAsyncLifetime
{
    protected const int Chunk = FileEncryption.ChunkBytes;

    protected DocumentScenario(VaultServer server)
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

    public virtual Task DisposeAsync()
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
}

/// <summary>
/// The document vault end to end through the real SDK on a real socket, on the store a subclass chooses: uploads and
/// downloads of every awkward size byte-exact, versions, and consent.
/// </summary>
public abstract class DocumentTestsBase(VaultServer server) : DocumentScenario(server)
{
    public static TheoryData<long> EdgeSizes => new() { 0, 1, Chunk, Chunk + 1, 5L * Chunk + 7, 128L * Chunk, 128L * Chunk + 1, 2 * 128L * Chunk + 3 };

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

/// <summary>
/// The document vault on the embedded default store, the local file system, where a test can reach the stored objects
/// and tamper with them as a curious or malicious operator could.
/// </summary>
public sealed class DocumentTests() : DocumentTestsBase(new VaultServer())
{
    private const long Sized = 3L * Chunk + 100; // one segment, four chunks

    public enum Tamper { FlippedByte, DroppedFinalChunk, ChunkFromAnotherFile, OlderVersionsObject }

    [Theory]
    [InlineData(Tamper.FlippedByte)]
    [InlineData(Tamper.DroppedFinalChunk)]
    [InlineData(Tamper.ChunkFromAnotherFile)]
    [InlineData(Tamper.OlderVersionsObject)]
    public async Task Download_TamperedObject_Detected(Tamper tamper)
    {
        var first = await UploadAsync(Krachtgezin, "verslag", Sized, seed: 1);
        var second = await UploadAsync(Krachtgezin, "verslag", Sized, seed: 2, first.DocumentId);
        var other = await UploadAsync(Krachtgezin, "verslag", Sized, seed: 3);
        var target = await ObjectOfAsync(first.DocumentId, 2);
        var bytes = await File.ReadAllBytesAsync(target);
        switch (tamper)
        {
            case Tamper.FlippedByte:
                bytes[bytes.Length / 2] ^= 0x01;
                break;
            case Tamper.DroppedFinalChunk:
                bytes = bytes[..^(int)(Sized % Chunk + FileEncryption.ABytes)];
                break;
            case Tamper.ChunkFromAnotherFile:
                var foreign = await File.ReadAllBytesAsync(await ObjectOfAsync(other.DocumentId, 1));
                var chunk = FileEncryption.HeaderBytes + (int)DocumentFormat.ChunkCiphertextBytes;
                foreign.AsSpan(chunk, (int)DocumentFormat.ChunkCiphertextBytes).CopyTo(bytes.AsSpan(chunk));
                break;
            case Tamper.OlderVersionsObject:
                bytes = await File.ReadAllBytesAsync(await ObjectOfAsync(first.DocumentId, 1));
                break;
        }
        await File.WriteAllBytesAsync(target, bytes);

        await Assert.ThrowsAsync<CryptographicException>(() =>
            Guardian.DownloadDocumentAsync(FamilyId, second.DocumentId, 2, new HashSinkStream()));
        await AssertDownloadsAsync(Guardian, first.DocumentId, 1, Sized, seed: 1); // the untouched version still reads
    }

    [Fact]
    public async Task Upload_KnownPlaintext_AppearsNowhereOnDisk()
    {
        var marker = "GEHEIM-verslag-over-de-kinderen-" + Guid.NewGuid().ToString("N");
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(marker + "\n", 5000)));
        var uploaded = await Krachtgezin.UploadDocumentAsync(FamilyId, "verslag", new MemoryStream(content), new UploadOptions
        {
            Name = marker + ".txt", Description = "omschrijving " + marker, ContentType = "text/plain",
        });
        using var downloaded = new MemoryStream();
        await Guardian.DownloadDocumentAsync(FamilyId, uploaded.DocumentId, 1, downloaded);
        Assert.Equal(content, downloaded.ToArray());

        var needle = Encoding.UTF8.GetBytes(marker);
        Assert.DoesNotContain(Server.StoredBytes(), stored => stored.AsSpan().IndexOf(needle) >= 0);
        Assert.DoesNotContain(Server.Logs, line => line.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>The one object of a small version, as the file system store keeps it.</summary>
    private async Task<string> ObjectOfAsync(Guid documentId, int version)
    {
        var v = await Guardian.DocumentVersionAsync(FamilyId, documentId, version);
        return Assert.Single(Directory.GetFiles(Path.Combine(Server.DataDirectory, "blobs", "documents", v.UploadId.ToString("N"))));
    }
}
