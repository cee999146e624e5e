using System.Text.Json;
using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault doc ...` end to end against the real server binary: a guardian (who needs no grant) uploads, lists, downloads
/// and versions documents; a coordinator of the same family without a grant is refused with a hint until a guardian
/// grants it. Files are compared byte for byte.
/// </summary>
public sealed partial class CliDocumentTests : IAsyncLifetime
{
    private const long QuotaBytes = 64L * 1024 * 1024;
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string files = "", coordinator = "", guardian = "", familyId = "", coordinatorId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync("--Vault:Documents:FamilyQuotaBytes", QuotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        files = Directory.CreateDirectory(Path.Combine(root, "files")).FullName;
        var admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-9", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        guardian = await AccountAsync("moeder.bakker",
            Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out));
        coordinatorId = Regex.Match((await Ok(guardian, "family", "members", "--family", familyId)).Out,
            @"([0-9a-f-]{36})\s+coordinator\.jansen").Groups[1].Value;
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Doc_UploadListDownload_ShowsTheNameAndDownloadsByteExact()
    {
        var (file, bytes) = NewFile("verslag-november.pdf", 3 * 64 * 1024 + 100, seed: 1);
        var uploaded = await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "verslag", file, "--description", "eerste verslag");
        var documentId = Match(uploaded, @"Uploaded verslag-november\.pdf \(192\.1 KiB\) as document ([0-9a-f-]{36}), version 1\.");

        var listed = await Ok(guardian, "doc", "list", "--family", familyId);
        var lines = listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches("^ID +CATEGORY +VERSION +SIZE +CHANGED \\(UTC\\) +BY +NAME$", lines[0]); // the header row
        var line = lines[1];
        Assert.Matches($"^{documentId}  verslag +v1  ", line);
        Assert.Contains("moeder.bakker", line, StringComparison.Ordinal);
        Assert.EndsWith("  verslag-november.pdf", line, StringComparison.Ordinal);
        Assert.Equal("", (await Ok(guardian, "doc", "list", "--family", familyId, "--category", "plan")).Out);

        var output = Path.Combine(root, "out", "verslag.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var saved = await Ok(guardian, "doc", "download", "--family", familyId, "--document", documentId, "--out", output);
        Assert.Contains("verslag-november.pdf, version 1", saved.Out, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
        Assert.Equal([output], Directory.GetFiles(Path.GetDirectoryName(output)!)); // no temporary file left beside it

        // An existing --out is kept unless --force: refused before anything is fetched.
        await File.WriteAllTextAsync(output, "mijn eigen aantekeningen");
        var refused = await Run(guardian, ["doc", "download", "--family", familyId, "--document", documentId, "--out", output]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("exists: nothing was downloaded", refused.Err, StringComparison.Ordinal);
        Assert.Equal("mijn eigen aantekeningen", await File.ReadAllTextAsync(output));
        await Ok(guardian, "doc", "download", "--family", familyId, "--document", documentId, "--out", output, "--force");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Doc_NewVersion_VersionsListsBothAndEachDownloads()
    {
        var (first, firstBytes) = NewFile("plan-v1.pdf", 70_000, seed: 2);
        var (second, secondBytes) = NewFile("plan-v2\u001b[2J.pdf", 130_000, seed: 3); // a name that would clear a terminal
        var documentId = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "plan", first),
            "as document ([0-9a-f-]{36}), version 1");
        Assert.Contains($"as document {documentId}, version 2.", (await Ok(guardian, "doc", "upload", "--family", familyId,
            "--category", "plan", "--document", documentId, second)).Out, StringComparison.Ordinal);

        var versions = (await Ok(guardian, "doc", "versions", "--family", familyId, "--document", documentId)).Out
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, versions.Length);
        Assert.Matches(@"^VERSION +UPLOADED \(UTC\) +BY +SIZE +NAME$", versions[0]);
        Assert.Matches(@"^v2 .* moeder\.bakker .* 127\.0 KiB  plan-v2\?\[2J\.pdf$", versions[1]);
        Assert.Matches(@"^v1 .* moeder\.bakker .* 68\.4 KiB +plan-v1\.pdf$", versions[2]);
        Assert.EndsWith("plan-v2?[2J.pdf", (await Ok(guardian, "doc", "list", "--family", familyId)).Out.Trim(), StringComparison.Ordinal);

        var v1 = Path.Combine(root, "v1.pdf");
        var latest = Path.Combine(root, "latest.pdf");
        await Ok(guardian, "doc", "download", "--family", familyId, "--document", documentId, "--version", "1", "--out", v1);
        await Ok(guardian, "doc", "download", "--family", familyId, "--document", documentId, "--out", latest);
        Assert.Equal(firstBytes, await File.ReadAllBytesAsync(v1));
        Assert.Equal(secondBytes, await File.ReadAllBytesAsync(latest));
    }

    [Fact]
    public async Task Doc_DeleteThenRestore_TrashListsItMeanwhile()
    {
        var (file, _) = NewFile("beschikking.pdf", 1000, seed: 4);
        var documentId = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "beschikking", file),
            "as document ([0-9a-f-]{36})");

        await Ok(guardian, "doc", "delete", "--family", familyId, "--document", documentId);
        var listed = await Ok(guardian, "doc", "list", "--family", familyId);
        Assert.Equal("", listed.Out);
        var trash = (await Ok(guardian, "doc", "list", "--family", familyId, "--trash")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, trash.Length);
        Assert.Matches("^ID .* DELETED +PURGED AFTER +NAME$", trash[0]);
        Assert.Matches($@"^{documentId}  beschikking .*  \d{{4}}-\d\d-\d\d  \d{{4}}-\d\d-\d\d +beschikking\.pdf$", trash[1]);
        var gone = await Run(guardian, ["doc", "download", "--family", familyId, "--document", documentId, "--out", Path.Combine(root, "b.pdf")]);
        Assert.Equal(1, gone.Code);
        Assert.Contains("not-found", gone.Err, StringComparison.Ordinal);
        Assert.Contains("hint: Check --family and --document: `vault doc list --family ID`", gone.Err, StringComparison.Ordinal);

        await Ok(guardian, "doc", "restore", "--family", familyId, "--document", documentId);
        Assert.EndsWith("beschikking.pdf", (await Ok(guardian, "doc", "list", "--family", familyId)).Out.Trim(), StringComparison.Ordinal);
        Assert.Equal("", (await Ok(guardian, "doc", "list", "--family", familyId, "--trash")).Out);
    }

    [Fact]
    public async Task Doc_Json_GivesIdsVersionsNamesAndPeopleAndNoProgressBar()
    {
        var (file, bytes) = NewFile("voortgang.txt", 5000, seed: 5);
        var progress = new StringWriter();
        var uploaded = await Ok(guardian, ["doc", "upload", "--family", familyId, "--category", "voortgang", file, "--json"], progress: progress);
        using var upload = JsonDocument.Parse(uploaded.Out);
        var documentId = upload.RootElement.GetProperty("documentId").GetGuid();
        Assert.Equal(1, upload.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("voortgang.txt", upload.RootElement.GetProperty("name").GetString());
        Assert.Equal("", progress.ToString()); // --json: scripts get no bar even on a terminal
        Assert.Equal("", uploaded.Err);

        using var list = JsonDocument.Parse((await Ok(guardian, "doc", "list", "--family", familyId, "--json")).Out);
        var document = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal(documentId, document.GetProperty("id").GetGuid());
        Assert.Equal(("voortgang", "voortgang.txt", 5000L, 1), (document.GetProperty("category").GetString(),
            document.GetProperty("name").GetString(), document.GetProperty("size").GetInt64(), document.GetProperty("version").GetInt32()));
        Assert.Equal("moeder.bakker", document.GetProperty("updatedBy").GetProperty("username").GetString());
        Assert.Equal("moeder.bakker", document.GetProperty("createdBy").GetProperty("username").GetString());
        Assert.True(document.GetProperty("updatedAt").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);

        using var versions = JsonDocument.Parse((await Ok(guardian, "doc", "versions", "--family", familyId, "--document", documentId.ToString(), "--json")).Out);
        var version = Assert.Single(versions.RootElement.EnumerateArray());
        Assert.Equal((documentId, 1, "voortgang.txt", 5000L), (version.GetProperty("id").GetGuid(), version.GetProperty("version").GetInt32(),
            version.GetProperty("name").GetString(), version.GetProperty("size").GetInt64()));
        Assert.Equal("moeder.bakker", version.GetProperty("uploadedBy").GetProperty("username").GetString());

        var output = Path.Combine(root, "voortgang.txt");
        var downloaded = await Ok(guardian, ["doc", "download", "--family", familyId, "--document", documentId.ToString(), "--out", output, "--json"],
            progress: progress);
        using var download = JsonDocument.Parse(downloaded.Out);
        Assert.Equal((documentId, 1, output), (download.RootElement.GetProperty("documentId").GetGuid(),
            download.RootElement.GetProperty("version").GetInt32(), download.RootElement.GetProperty("path").GetString()));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
        Assert.Equal("", progress.ToString());

        // Without --json, on a terminal: the bar, ending at 100 % on a line of its own.
        await Ok(guardian, ["doc", "download", "--family", familyId, "--document", documentId.ToString(), "--out", output, "--force"], progress: progress);
        Assert.Matches(@"\rvoortgang\.txt \[#{24}\] 100% .* done *" + Environment.NewLine + "$", progress.ToString());
    }

    [Fact]
    public async Task Doc_MemberWithoutGrant_RefusedWithAHintNamingTheGrant_ThenAllowedOnceGranted()
    {
        var (file, bytes) = NewFile("verslag.pdf", 2000, seed: 6);
        var documentId = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "verslag", file),
            "as document ([0-9a-f-]{36})");

        var upload = await Run(coordinator, ["doc", "upload", "--family", familyId, "--category", "verslag", file]);
        Assert.Equal(1, upload.Code);
        Assert.Contains("(urn:vault:problem:no-consent)", upload.Err, StringComparison.Ordinal);
        Assert.Contains("hint: Ask a guardian of the family for a grant on documents:verslag with --permission write", upload.Err,
            StringComparison.Ordinal);
        var list = await Ok(coordinator, "doc", "list", "--family", familyId);
        Assert.Equal("", list.Out);
        Assert.Contains("No documents you can read", list.Err, StringComparison.Ordinal);
        var output = Path.Combine(root, "verslag.pdf");
        var download = await Run(coordinator, ["doc", "download", "--family", familyId, "--document", documentId, "--out", output]);
        Assert.Equal(1, download.Code);
        Assert.Contains("hint: Ask a guardian of the family for a grant on the document's category, documents:CATEGORY", download.Err,
            StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(root)); // nor a temporary file

        await Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope", "documents:verslag", "--purpose", "begeleiding",
            "--history");
        await Ok(coordinator, "doc", "download", "--family", familyId, "--document", documentId, "--out", output);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Download_WrittenBeforeTheGrantWithoutHistory_RefusedAskingForHistoryNotCalledTampered()
    {
        var (before, _) = NewFile("verslag-oktober.pdf", 3000, seed: 12);
        var earlier = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "verslag", before), "as document ([0-9a-f-]{36})");
        await Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope", "documents:verslag", "--purpose", "begeleiding");
        var (after, bytes) = NewFile("verslag-november.pdf", 4000, seed: 13);
        var later = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "verslag", after), "as document ([0-9a-f-]{36})");

        var output = Path.Combine(root, "verslag.pdf");
        var refused = await Run(coordinator, ["doc", "download", "--family", familyId, "--document", earlier, "--out", output]);
        Assert.Equal(1, refused.Code); // not 3: nothing was tampered with
        Assert.Contains("This device holds no key for that version", refused.Err, StringComparison.Ordinal);
        Assert.Contains("hint: A grant opens what is written after it. For what came before, ask a guardian for a grant on documents:verslag with --history.",
            refused.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(root));

        await Ok(coordinator, "doc", "download", "--family", familyId, "--document", later, "--out", output);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
        var listed = (await Ok(coordinator, "doc", "list", "--family", familyId)).Out;
        Assert.Contains("verslag-november.pdf", listed, StringComparison.Ordinal);
        Assert.Contains("(cannot be opened on this device)", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_BeyondTheFamilysQuota_RefusedWithAHint()
    {
        var file = Path.Combine(files, "groot.bin");
        await using (var sparse = File.Create(file))
        {
            sparse.SetLength(QuotaBytes); // its ciphertext is larger; refused before a byte is read
        }
        var refused = await Run(guardian, ["doc", "upload", "--family", familyId, "--category", "overig", file]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("(urn:vault:problem:quota-exceeded)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("hint: The family's documents fill its quota", refused.Err, StringComparison.Ordinal);
        Assert.Equal("", (await Ok(guardian, "doc", "list", "--family", familyId)).Out);
    }

    private (string Path, byte[] Bytes) NewFile(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(files, name);
        File.WriteAllBytes(path, bytes);
        return (path, bytes);
    }

    /// <summary>Accepts an invitation and logs in (with a TOTP code when the account has one); returns the profile home.</summary>
    private async Task<string> AccountAsync(string username, string code)
    {
        var home = Path.Combine(root, username);
        var accepted = await Ok(home, "invite", "accept", "--server", server.Url, "--code", code, "--username", username);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await Ok(home, secret.Length > 0 ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp()] : ["login"]);
        return home;
    }

    private static string Last(string output) => output.Trim().Split('\n')[^1].Trim();

    private static string Match(CliResult result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out + result.Err);

    private static Task<CliResult> Ok(string home, params string[] args) => Ok(home, args, progress: null);

    private static async Task<CliResult> Ok(string home, string[] args, HttpMessageHandler? handler = null, TextWriter? progress = null)
    {
        var result = await Run(home, args, handler, progress);
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }

    private static Task<CliResult> Run(string home, string[] args, HttpMessageHandler? handler = null, TextWriter? progress = null) =>
        Cli.RunAsync(home, args, Cli.WithPassphrase(), handler: handler, progress: progress);
}
