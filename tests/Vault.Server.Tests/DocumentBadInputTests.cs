using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// What the upload protocol refuses, each with its problem type, and that a refusal changes nothing: the upload keeps
/// its offset and no version appears.
/// </summary>
public sealed class DocumentBadInputTests() : DocumentScenario(new VaultServer())
{
    private static readonly long Length = DocumentFormat.CiphertextLength(100);

    [Theory]
    [InlineData("NOTES", 3)]
    [InlineData("verslag", 5)] // no ciphertext is five bytes long
    [InlineData("verslag", -41)]
    [InlineData(null, 41)]
    public async Task Create_InvalidCategoryOrLength_400(string? category, long length)
    {
        var response = await SendAsync(HttpMethod.Post, Uploads, JsonContent.Create(new { category, length }));

        await AssertProblemAsync(response, 400, ProblemTypes.Validation);
    }

    public static TheoryData<string, string?, string?, int, string> BadPatches => new()
    {
        { "no offset", null, TusHeaders.ContentType, 400, ProblemTypes.Validation },
        { "negative offset", "-1", TusHeaders.ContentType, 400, ProblemTypes.Validation },
        { "text offset", "zero", TusHeaders.ContentType, 400, ProblemTypes.Validation },
        { "wrong offset", "7", TusHeaders.ContentType, 409, ProblemTypes.UploadOffsetMismatch },
        { "json body", "0", "application/json", 415, ProblemTypes.UnsupportedMediaType },
        { "no content type", "0", null, 415, ProblemTypes.UnsupportedMediaType },
    };

    [Theory]
    [MemberData(nameof(BadPatches))]
    public async Task Patch_BadHeaders_RefusedAndOffsetUnchanged(string why, string? offset, string? contentType, int status, string type)
    {
        var upload = await StartAsync();
        using var request = Request(HttpMethod.Patch, $"{Uploads}/{upload.UploadId}", new ByteArrayContent(new byte[10]));
        if (offset is not null)
        {
            request.Headers.Add(TusHeaders.Offset, offset);
        }
        request.Content!.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        await AssertProblemAsync(await SendAsync(request), status, type, why);
        Assert.Equal(0, await Krachtgezin.UploadOffsetAsync(FamilyId, upload.UploadId));
    }

    [Fact]
    public async Task Patch_PastTheLength_400AndOffsetUnchanged()
    {
        var upload = await StartAsync();

        await AssertProblemAsync(await PatchAsync(upload.UploadId, 0, new byte[Length + 1]), 400, ProblemTypes.Validation);
        Assert.Equal(0, await Krachtgezin.UploadOffsetAsync(FamilyId, upload.UploadId));
    }

    [Fact]
    public async Task Patch_LargerThanThePatchLimit_413BeforeReading()
    {
        await using var limited = new VaultServer();
        limited.Settings["Vault:Documents:MaxPatchBytes"] = "1000";
        var cast = new Cast(limited);
        var (familyId, _, guardian) = await cast.FamilyAsync("p");
        using var http = limited.NewHttp();
        async Task<HttpResponseMessage> Send(HttpRequestMessage request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await guardian.AccessTokenAsync());
            return await http.SendAsync(request);
        }
        var created = await Send(new HttpRequestMessage(HttpMethod.Post, $"/families/{familyId}/documents/uploads")
        {
            Content = JsonContent.Create(new CreateUploadRequest("plan", null, DocumentFormat.CiphertextLength(5000))),
        });
        var upload = (await created.Content.ReadFromJsonAsync<UploadResponse>())!;
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/families/{familyId}/documents/uploads/{upload.UploadId}")
        {
            Content = new ByteArrayContent(new byte[1001]),
        };
        patch.Headers.Add(TusHeaders.Offset, "0");
        patch.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TusHeaders.ContentType);

        await AssertProblemAsync(await Send(patch), 413, ProblemTypes.PayloadTooLarge);
        Assert.Equal(0, await guardian.UploadOffsetAsync(familyId, upload.UploadId));
    }

    [Fact]
    public async Task Complete_BeforeEveryByteArrived_409()
    {
        var upload = await StartAsync();

        await AssertProblemAsync(await CompleteAsync(upload, Valid(upload, await CiphertextAsync(), 1)), 409, ProblemTypes.UploadIncomplete);
    }

    public enum BadCompletion { ForeignSignature, WrongChunkCount, BoxUnderAnotherEpoch, SecondVersionOfANewDocument, ShortHash, EpochNotCurrent }

    [Theory]
    [InlineData(BadCompletion.ForeignSignature, 400, ProblemTypes.InvalidSignature)]
    [InlineData(BadCompletion.WrongChunkCount, 400, ProblemTypes.InvalidManifest)]
    [InlineData(BadCompletion.BoxUnderAnotherEpoch, 400, ProblemTypes.InvalidManifest)]
    [InlineData(BadCompletion.SecondVersionOfANewDocument, 409, ProblemTypes.VersionConflict)]
    [InlineData(BadCompletion.ShortHash, 400, ProblemTypes.Validation)]
    [InlineData(BadCompletion.EpochNotCurrent, 409, ProblemTypes.StaleEpoch)]
    public async Task Complete_BadManifest_RefusedAndNoVersionAppears(BadCompletion bad, int status, string type)
    {
        var upload = await StartAsync();
        var ciphertext = await CiphertextAsync();
        Assert.Equal(204, (int)(await PatchAsync(upload.UploadId, 0, ciphertext)).StatusCode);
        var body = bad switch
        {
            BadCompletion.ForeignSignature => Valid(upload, ciphertext, 1) with { Signature = new byte[64] },
            BadCompletion.WrongChunkCount => Valid(upload, ciphertext, 1, chunkCount: 2),
            BadCompletion.BoxUnderAnotherEpoch => Valid(upload, ciphertext, 1) with
            {
                KeyBox = ScopeBox.Seal(FamilyId, Scope, 2, "x", new byte[32], new byte[32]),
            },
            BadCompletion.SecondVersionOfANewDocument => Valid(upload, ciphertext, 2),
            BadCompletion.EpochNotCurrent => Valid(upload, ciphertext, 1, epochOverride: epoch + 1),
            _ => Valid(upload, ciphertext, 1) with { ContentHash = new byte[31] },
        };

        await AssertProblemAsync(await CompleteAsync(upload, body), status, type, bad.ToString());
        Assert.Empty(await Guardian.ListDocumentsAsync(FamilyId));
        var good = await CompleteAsync(upload, Valid(upload, ciphertext, 1)); // the upload is still there, whole
        Assert.Equal(201, (int)good.StatusCode);
    }

    private const string Category = "verslag";
    private static string Scope => ConsentScopes.Documents(Category);
    private string Uploads => $"/families/{FamilyId}/documents/uploads";
    private readonly byte[] fileKey = RandomNumberGenerator.GetBytes(32);
    private int epoch;

    private async Task<UploadResponse> StartAsync()
    {
        epoch = await Krachtgezin.WritableEpochAsync(FamilyId, Scope, refresh: true);
        var response = await SendAsync(HttpMethod.Post, Uploads, JsonContent.Create(new CreateUploadRequest(Category, null, Length)));
        Assert.Equal(201, (int)response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UploadResponse>())!;
    }

    private async Task<byte[]> CiphertextAsync()
    {
        using var output = new MemoryStream();
        await FileEncryption.EncryptAsync(new MemoryStream(new byte[100]), output, fileKey);
        return output.ToArray();
    }

    private CompleteUploadRequest Valid(UploadResponse upload, byte[] ciphertext, int version, long chunkCount = 1, int? epochOverride = null)
    {
        var epoch = epochOverride ?? this.epoch; // an epoch the ring has not reached: boxes sealed under some key of the right shape
        var epochKey = epochOverride is null ? Krachtgezin.EpochKeyAsync(FamilyId, Scope, epoch).GetAwaiter().GetResult() : new byte[32];
        var keyBox = ScopeBox.Seal(FamilyId, Scope, epoch, DocumentManifest.KeyLabel(upload.DocumentId, upload.UploadId), fileKey, epochKey);
        var metaBox = ScopeBox.Seal(FamilyId, Scope, epoch, DocumentManifest.MetadataLabel(upload.DocumentId, upload.UploadId), "{}"u8, epochKey);
        var hash = DocumentFormat.ContentHash([SHA256.HashData(ciphertext)]);
        var manifest = new DocumentManifest(FamilyId, Category, upload.DocumentId, version, upload.UploadId, epoch, Length, chunkCount, hash,
            DocumentManifest.Hash(keyBox), DocumentManifest.Hash(metaBox));
        return new CompleteUploadRequest(version, epoch, chunkCount, hash, keyBox, metaBox, manifest.Sign(Krachtgezin.Session!.Device));
    }

    private Task<HttpResponseMessage> CompleteAsync(UploadResponse upload, CompleteUploadRequest body) =>
        SendAsync(HttpMethod.Post, $"{Uploads}/{upload.UploadId}/complete", JsonContent.Create(body));

    private async Task<HttpResponseMessage> PatchAsync(Guid uploadId, long offset, byte[] bytes)
    {
        using var request = Request(HttpMethod.Patch, $"{Uploads}/{uploadId}", new ByteArrayContent(bytes));
        request.Headers.Add(TusHeaders.Offset, offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(TusHeaders.ContentType);
        return await SendAsync(request);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content) => new(method, path) { Content = content };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent content)
    {
        using var request = Request(method, path, content);
        return await SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Krachtgezin.AccessTokenAsync());
        return await Http.SendAsync(request);
    }

    private HttpClient Http => cachedHttp ??= Server.NewHttp();
    private HttpClient? cachedHttp;

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string type, string? why = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{why}: {(int)response.StatusCode} {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
    }
}
