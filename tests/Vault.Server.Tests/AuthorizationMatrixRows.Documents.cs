using System.Security.Cryptography;
using System.Text.Json;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Documents;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>
/// The document rows of the matrix. A gemeente works in the beschikking category (all it may hold), everyone else in
/// plan; each allowed caller acts on documents and uploads of its own making, so rows can run in any order.
/// </summary>
internal static partial class Matrix
{
    private const string Documents = "/families/{familyId:guid}/documents";
    private const string Uploads = Documents + "/uploads";
    private const string OneUpload = Uploads + "/{uploadId:guid}";
    private const string OneDocument = Documents + "/{documentId:guid}";

    private static long TinyLength => DocumentFormat.CiphertextLength(10);

    private static string DocCategory(Cell c) => c.Who.Role == Roles.Gemeente ? "beschikking" : "plan";

    private static string DocScope(Cell c) => ConsentScopes.Documents(DocCategory(c));

    private static Guid DocumentOf(Cell c) => c.Who.Role == Roles.Gemeente ? c.World.BeschikkingId : c.World.PlanId;

    private static Guid TrashedOf(Cell c) => c.Who.Role == Roles.Gemeente ? c.World.TrashedBeschikkingId : c.World.TrashedPlanId;

    private static Rule DocConsent(string permission) => new($"guardian, or a {permission} grant on the caller's category", c =>
        c.Who.Role == Roles.Guardian || c.Who.Holds(DocScope(c), permission) ? null : Outcome.NoConsent);

    /// <summary>An upload is its creator's alone: anyone else's (or one without a write grant behind it) looks like nothing.</summary>
    private static Rule OwnUpload => new("the uploader, with a write grant", c =>
        c.Who.Role == Roles.Guardian || c.Who.Holds(DocScope(c), Permissions.Write) ? null : Outcome.NotFound);

    private static Dictionary<string, string> PatchHeaders(long offset) => new(StringComparer.Ordinal)
    {
        ["Content-Type"] = TusHeaders.ContentType, [TusHeaders.Resumable] = TusHeaders.Version,
        [TusHeaders.Offset] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string FillDocument(string template, Cell c, Guid? documentId = null, Guid? uploadId = null) => Fill(template, c)
        .Replace("{documentId:guid}", (documentId ?? DocumentOf(c)).ToString(), StringComparison.Ordinal)
        .Replace("{uploadId:guid}", (uploadId ?? c.World.UploadId).ToString(), StringComparison.Ordinal)
        .Replace("{version:int}", "1", StringComparison.Ordinal);

    private static IEnumerable<Row> DocumentRows() =>
    [
        new("POST", Uploads, DocConsent(Permissions.Write), 201)
        {
            Build = (c, t) => Done(new Req(Fill(t, c), new CreateUploadRequest(DocCategory(c), null, TinyLength))),
            Check = Json<UploadResponse>((c, _, u) => u.Category == DocCategory(c) && u.Offset == 0 && u.Length == TinyLength),
        },
        new("HEAD", OneUpload, OwnUpload, 200)
        {
            Foreign = true,
            Build = async (c, t) => new Req(FillDocument(t, c, uploadId: c.Allowed ? (await StartUploadAsync(c)).UploadId : null)),
        },
        new("PATCH", OneUpload, OwnUpload, 204)
        {
            Foreign = true,
            Build = async (c, t) => new Req(FillDocument(t, c, uploadId: c.Allowed ? (await StartUploadAsync(c)).UploadId : null))
            {
                Raw = new byte[TinyLength], Headers = PatchHeaders(0),
            },
        },
        new("POST", OneUpload + "/complete", OwnUpload, 201)
        {
            Foreign = true,
            Build = CompleteAsync,
            Check = Json<DocumentVersionResponse>((c, r, v) => v.Version == 1 && v.UploaderUserId == c.UserId && v.Category == DocCategory(c)),
        },
        new("GET", Documents, Member, 200)
        {
            // Only documents of categories the caller may read (guardians: all), and never the trash by default.
            Check = Json<List<DocumentResponse>>((c, _, list) =>
                list.Any(d => d.Id == c.World.PlanId) == (c.Who.Role == Roles.Guardian || c.Who.Holds(ConsentScopes.Documents("plan"), Permissions.Read))
                && list.Any(d => d.Id == c.World.BeschikkingId) == (c.Who.Role == Roles.Guardian
                    || c.Who.Holds(ConsentScopes.Documents("beschikking"), Permissions.Read))
                && list.All(d => d.DeletedAt is null)),
        },
        new("GET", OneDocument + "/versions", DocConsent(Permissions.Read), 200)
        {
            TargetFirst = true,
            Foreign = true,
            Build = (c, t) => Done(new Req(FillDocument(t, c))),
            Check = Json<List<DocumentVersionResponse>>((c, _, list) => list.Count == 1 && list[0].DocumentId == DocumentOf(c)),
        },
        new("GET", OneDocument + "/versions/{version:int}", DocConsent(Permissions.Read), 200)
        {
            TargetFirst = true,
            Foreign = true,
            Build = (c, t) => Done(new Req(FillDocument(t, c))),
            Check = Json<DocumentVersionResponse>((c, _, v) => v.DocumentId == DocumentOf(c) && v.KeyBox.Length > 0),
        },
        new("GET", OneDocument + "/versions/{version:int}/content", DocConsent(Permissions.Read), 200)
        {
            TargetFirst = true,
            Foreign = true,
            Build = (c, t) => Done(new Req(FillDocument(t, c))),
            Check = (_, _, r) => Task.FromResult(r.MediaType == "application/octet-stream" ? null : $"content is {r.MediaType}"),
        },
        new("DELETE", OneDocument, DocConsent(Permissions.Write), 204)
        {
            TargetFirst = true,
            Foreign = true,
            Build = async (c, t) => new Req(FillDocument(t, c, c.Allowed ? await ThrowawayAsync(c, trashed: false) : null)),
        },
        new("POST", OneDocument + "/restore", DocConsent(Permissions.Write), 204)
        {
            TargetFirst = true,
            Foreign = true,
            Build = async (c, t) => new Req(FillDocument(t, c, c.Allowed ? await ThrowawayAsync(c, trashed: true) : TrashedOf(c))),
        },
    ];

    private static async Task<UploadResponse> StartUploadAsync(Cell c)
    {
        var started = await c.F.SendAsync(c.Who, "POST", $"/families/{c.World.FamilyId}/documents/uploads",
            new CreateUploadRequest(DocCategory(c), null, TinyLength));
        return started.Status == 201
            ? JsonSerializer.Deserialize<UploadResponse>(started.Body, AuthorizationMatrixFixture.Json)!
            : throw new InvalidOperationException($"starting an upload failed: {started}");
    }

    /// <summary>A document of the caller's own in the caller's category (in the trash if asked), for delete and restore.</summary>
    private static async Task<Guid> ThrowawayAsync(Cell c, bool trashed)
    {
        var made = await c.Client.UploadDocumentAsync(c.World.FamilyId, DocCategory(c), new MemoryStream(new byte[10]),
            new UploadOptions { Name = "matrix.txt" });
        if (trashed)
        {
            await c.Client.DeleteDocumentAsync(c.World.FamilyId, made.DocumentId);
        }
        return made.DocumentId;
    }

    /// <summary>
    /// For an allowed caller: an upload of its own with every byte sent, and the completion the SDK would send (boxes under
    /// the current epoch, the manifest signed by the caller's device). For anyone else: a well-formed completion of A's open upload.
    /// </summary>
    private static async Task<Req> CompleteAsync(Cell c, string template)
    {
        if (!c.Allowed)
        {
            return new Req(FillDocument(template, c), new CompleteUploadRequest(1, 1, 1, new byte[32], new byte[64], new byte[64], new byte[64]));
        }
        var upload = await StartUploadAsync(c);
        var fileKey = RandomNumberGenerator.GetBytes(FileEncryption.KeyBytes);
        using var ciphertext = new MemoryStream();
        await FileEncryption.EncryptAsync(new MemoryStream(new byte[10]), ciphertext, fileKey);
        var patched = await c.F.SendAsync(c.Who, "PATCH", new Req(FillDocument(template.Replace("/complete", "", StringComparison.Ordinal), c,
            uploadId: upload.UploadId)) { Raw = ciphertext.ToArray(), Headers = PatchHeaders(0) });
        if (patched.Status != 204)
        {
            throw new InvalidOperationException($"the PATCH failed: {patched}");
        }
        var (family, scope) = (c.World.FamilyId, DocScope(c));
        var epoch = await c.Client.WritableEpochAsync(family, scope, refresh: true);
        var epochKey = await c.Client.EpochKeyAsync(family, scope, epoch);
        var keyBox = ScopeBox.Seal(family, scope, epoch, DocumentManifest.KeyLabel(upload.DocumentId, upload.UploadId), fileKey, epochKey);
        var metaBox = ScopeBox.Seal(family, scope, epoch, DocumentManifest.MetadataLabel(upload.DocumentId, upload.UploadId), "{}"u8, epochKey);
        var hash = DocumentFormat.ContentHash([SHA256.HashData(ciphertext.ToArray())]);
        var manifest = new DocumentManifest(family, DocCategory(c), upload.DocumentId, 1, upload.UploadId, epoch, TinyLength, 1, hash,
            DocumentManifest.Hash(keyBox), DocumentManifest.Hash(metaBox));
        return new Req(FillDocument(template, c, uploadId: upload.UploadId),
            new CompleteUploadRequest(1, epoch, 1, hash, keyBox, metaBox, manifest.Sign(c.Client.Session!.Device)));
    }
}
