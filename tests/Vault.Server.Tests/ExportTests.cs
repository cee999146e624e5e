using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Consent;
using Vault.Contracts.Documents;
using Vault.Contracts.Export;
using Vault.Contracts.Families;
using Vault.Contracts.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// The data-subject export end to end: a guardian's SDK streams the package, verifies it and writes the decrypted
/// archive; the package is compared with everything the server's database holds about the family.
/// </summary>
public sealed partial class ExportTests(ExportFixture f) : IClassFixture<ExportFixture>, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string output = Path.Combine(Path.GetTempPath(), "vault-export-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task ExportFamily_SeededFamily_PackageHoldsEverythingTheServerHolds()
    {
        var result = await f.Vader.ExportFamilyAsync(f.FamilyId, output);

        Assert.True(result.Verified, result.VerificationFailure);
        var package = Parts(output);
        var header = package[ExportParts.Header].Single().Deserialize<ExportHeader>(Json)!;
        Assert.Equal(f.FamilyId, header.FamilyId);
        Assert.Equal(f.Vader.Session!.UserId, header.RequesterUserId);
        var p = ("f", (object)f.FamilyId);
        AssertSameSet(f.Server.Column<Guid>("SELECT UserId FROM Memberships WHERE FamilyId = @f", p),
            Records<MemberInfo>(package, ExportParts.Members).Select(m => m.UserId));
        var grants = Records<GrantResponse>(package, ExportParts.Grants);
        AssertSameSet(f.Server.Column<Guid>("SELECT Id FROM Grants WHERE FamilyId = @f", p), grants.Select(g => g.Grant.GrantId));
        var withdrawn = grants.Single(g => g.Grant.GrantId == f.WithdrawnGrantId);
        Assert.Equal(GrantStatus.Withdrawn, withdrawn.Status);
        Assert.NotEmpty(withdrawn.Signatures);
        AssertSameSet(f.Server.Column<Guid>("SELECT Id FROM Channels WHERE FamilyId = @f", p),
            Records<ChannelResponse>(package, ExportParts.Channels).Select(c => c.Id));
        var messages = Records<MessageDelivery>(package, ExportParts.Messages);
        AssertSameSet(f.Server.Column<Guid>("SELECT ClientMessageId FROM Messages WHERE FamilyId = @f", p),
            messages.Select(m => m.ClientMessageId));
        Assert.Contains(messages, m => m.Epoch == 2); // the ring rotated after the withdrawal
        Assert.Equal(f.Server.Column<long>("SELECT COUNT(*) FROM KeyWraps WHERE FamilyId = @f AND RecipientUserId = @u", p,
            ("u", f.Vader.Session!.UserId)).Single(), package[ExportParts.KeyWraps].Count);
        Assert.Equal(f.Server.Column<long>("SELECT COUNT(*) FROM DocumentVersions WHERE FamilyId = @f", p).Single(),
            package[ExportParts.DocumentVersions].Count);
        AssertSameSet(f.Server.Column<Guid>("SELECT DocumentId FROM DocumentVersions WHERE FamilyId = @f", p).Distinct(),
            Records<ExportDocument>(package, ExportParts.Documents).Select(d => d.Id));
        var audit = Records<AuditEntryDto>(package, ExportParts.Audit);
        Assert.Equal(f.Server.Column<long>("SELECT \"Index\" FROM AuditEntries WHERE FamilyId = @f AND \"Index\" < @n ORDER BY FamilySeq",
            p, ("n", header.TreeHead.TreeSize)), audit.Select(e => e.Index));
        Assert.Contains(audit, e => e.Action == "dsr.exported" && e.Fields?.ActorUserId == f.Vader.Session!.UserId);
        AssertSameSet(f.Server.Column<Guid>("SELECT Id FROM SubjectRequests WHERE FamilyId = @f", p),
            Records<Vault.Contracts.DataSubject.SubjectRequestResponse>(package, ExportParts.Requests).Select(r => r.Id));
        foreach (var part in ExportParts.Order)
        {
            Assert.Equal(package.GetValueOrDefault(part)?.Count ?? 0, result.Counts[part]);
        }
    }

    [Fact]
    public async Task ExportFamily_SeededFamily_ArchiveDecryptsEverythingAndNothingOfAnotherFamily()
    {
        var result = await f.Vader.ExportFamilyAsync(f.FamilyId, output);

        Assert.True(result.Verified, result.VerificationFailure);
        Assert.Equal(0, result.IssueCount);
        var archived = Directory.GetFiles(Path.Combine(output, "channels"))
            .SelectMany(file => JsonDocument.Parse(File.ReadAllBytes(file)).RootElement.GetProperty("messages").EnumerateArray())
            .Select(m => m.Deserialize<ArchivedMessage>(Json)!).ToList();
        Assert.Equal(f.Sent.Count, archived.Count);
        Assert.All(archived, m => Assert.Equal(f.Sent[m.ClientMessageId], m.Text));
        Assert.Contains(archived, m => m.Sender == "gezin.de.boer");
        Assert.Equal(2, Directory.GetFiles(Path.Combine(output, "channels")).Length);
        var documents = JsonSerializer.Deserialize<List<ArchivedDocument>>(File.ReadAllBytes(Path.Combine(output, "documents.json")), Json)!;
        Assert.Equal(f.Uploaded.Count, documents.Count);
        foreach (var d in documents)
        {
            Assert.Equal(f.Uploaded[(d.DocumentId, d.Version)], File.ReadAllBytes(Path.Combine(output, d.File!)));
        }
        Assert.Contains("Controle: GESLAAGD", File.ReadAllText(Path.Combine(output, "samenvatting.txt")), StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(output, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.All(f.OtherFamilyTraces, trace => Assert.DoesNotContain(trace, text, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task VerifyPackage_AnyLineChanged_Detected()
    {
        await f.Moeder.ExportFamilyAsync(f.FamilyId, output);
        var lines = File.ReadAllLines(Path.Combine(output, "package.ndjson"));
        var key = await f.Moeder.AuditKeyAsync();
        var message = Array.FindIndex(lines, l => l.StartsWith("{\"part\":\"messages\"", StringComparison.Ordinal));
        var audit = Array.FindIndex(lines, l => l.StartsWith("{\"part\":\"audit\"", StringComparison.Ordinal));
        Assert.True(message > 0 && audit > 0);

        Assert.Equal("", await CheckAsync(lines, key));
        Assert.Contains("messages", await CheckAsync(Changed(lines, message, l => l.Replace("\"seq\":1,", "\"seq\":9,",
            StringComparison.Ordinal)), key), StringComparison.Ordinal);
        Assert.Contains("audit", await CheckAsync(lines.Where((_, i) => i != audit).ToArray(), key), StringComparison.Ordinal);
        Assert.Contains("summary", await CheckAsync(lines[..^1], key), StringComparison.Ordinal);
        Assert.Contains("signed", await CheckAsync(Changed(lines, lines.Length - 1, FlipSignature), key), StringComparison.Ordinal);
        Assert.Contains("signed", await CheckAsync(lines, new byte[32]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportFamily_AnsweringAnAccessRequest_RequestDoneOnceServedAndNotAgain()
    {
        var request = await f.Moeder.FileRequestAsync(f.FamilyId, Vault.Contracts.DataSubject.RequestKinds.Access);
        var result = await f.Moeder.ExportFamilyAsync(f.FamilyId, output, requestId: request.Id);

        Assert.True(result.Verified);
        var answered = (await f.Moeder.FamilyRequestsAsync(f.FamilyId)).Single(r => r.Id == request.Id);
        Assert.Equal(Vault.Contracts.DataSubject.RequestStatus.Done, answered.Status);
        Assert.Contains("export", answered.Outcome, StringComparison.Ordinal);
        var again = await Assert.ThrowsAsync<VaultApiException>(() =>
            f.Moeder.ExportFamilyAsync(f.FamilyId, output + "-2", requestId: request.Id));
        Assert.Equal(ProblemTypes.RequestClosed, again.ProblemType);
        // Another family's request, or one that is not for access, is not this export's to answer.
        var other = await f.OtherGuardian.FileRequestAsync(f.OtherFamilyId, Vault.Contracts.DataSubject.RequestKinds.Access);
        Assert.Equal(404, (await Assert.ThrowsAsync<VaultApiException>(() =>
            f.Moeder.ExportFamilyAsync(f.FamilyId, output + "-3", requestId: other.Id))).Status);
    }

    [Fact]
    public async Task Export_NotAGuardian_RefusedAndAudited()
    {
        var member = await Assert.ThrowsAsync<VaultApiException>(() => f.Krachtgezin.ExportFamilyAsync(f.FamilyId, output));
        var coordinator = await Assert.ThrowsAsync<VaultApiException>(() => f.Coordinator.ExportFamilyAsync(f.FamilyId, output));
        // Not family B's guardian: an attempt lands in A's audit trail, with the actor's id, and B's ids must stay out of A's export.
        var stranger = await f.Cast.AccountAsync(Roles.Coordinator, "buitenstaander");
        var outsider = await Assert.ThrowsAsync<VaultApiException>(() => stranger.ExportFamilyAsync(f.FamilyId, output));

        Assert.Equal((403, ProblemTypes.Forbidden), (member.Status, member.ProblemType));
        Assert.Equal((403, ProblemTypes.Forbidden), (coordinator.Status, coordinator.ProblemType));
        Assert.Equal((404, ProblemTypes.NotFound), (outsider.Status, outsider.ProblemType));
        Assert.Equal(2L, f.Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'dsr.exported' AND Allowed = FALSE "
            + "AND FamilyId = @f AND ActorUserId IN (@k, @c)", ("f", f.FamilyId), ("k", f.Krachtgezin.Session!.UserId),
            ("c", f.Coordinator.Session!.UserId)).Single());
    }

    [Fact]
    public async Task Export_Allowed_AuditedBeforeTheFirstLine()
    {
        using var http = f.Server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await f.Moeder.AccessTokenAsync());
        using var response = await http.GetAsync($"/families/{f.FamilyId}/export", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonSerializer.Deserialize<ExportLine<ExportHeader>>(await reader.ReadLineAsync() ?? "", Json)!;

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ExportParts.Header, first.Part);
        var audited = f.Server.Column<long>("SELECT \"Index\" FROM AuditEntries WHERE Action = 'dsr.exported' AND Allowed = TRUE "
            + "AND FamilyId = @f AND ActorUserId = @u", ("f", f.FamilyId), ("u", f.Moeder.Session!.UserId));
        Assert.Contains(audited, index => index < first.Data.TreeHead.TreeSize); // committed before the header was written
    }

    [Fact]
    public async Task ExportFamily_GuardianWithoutKeys_ListsWhatItCannotDecrypt()
    {
        var oma = await f.Cast.FamilyMemberAsync(f.Moeder, f.FamilyId, Roles.Guardian, "oma");

        var result = await oma.ExportFamilyAsync(f.FamilyId, output);

        Assert.True(result.Verified, result.VerificationFailure);
        Assert.Equal(0, result.MessagesDecrypted);
        Assert.Equal(f.Sent.Count, result.MessagesNotDecrypted);
        Assert.Equal(0, result.DocumentsWritten);
        Assert.Equal(f.Uploaded.Count, result.DocumentsNotWritten);
        Assert.Empty(Directory.GetFiles(Path.Combine(output, "documents")));
        Assert.Contains("geen sleutel", File.ReadAllText(Path.Combine(output, "samenvatting.txt")), StringComparison.Ordinal);
    }

    private static Dictionary<string, List<JsonElement>> Parts(string directory) =>
        File.ReadLines(Path.Combine(directory, "package.ndjson"))
            .Select(l => JsonSerializer.Deserialize<ExportLine<JsonElement>>(l, Json)!)
            .GroupBy(l => l.Part).ToDictionary(g => g.Key, g => g.Select(l => l.Data).ToList());

    private static List<T> Records<T>(Dictionary<string, List<JsonElement>> package, string part) =>
        package.GetValueOrDefault(part, []).Select(e => e.Deserialize<T>(Json)!).ToList();

    private static void AssertSameSet(IEnumerable<Guid> expected, IEnumerable<Guid> actual)
    {
        var want = expected.ToList();
        Assert.NotEmpty(want);
        Assert.Equal(want.Order(), actual.Order());
    }

    private static string[] Changed(string[] lines, int index, Func<string, string> change)
    {
        var copy = (string[])lines.Clone();
        copy[index] = change(copy[index]);
        Assert.NotEqual(lines[index], copy[index]);
        return copy;
    }

    private static string FlipSignature(string line)
    {
        var summary = JsonSerializer.Deserialize<ExportLine<SignedReceipt>>(line, Json)!;
        var signature = (byte[])summary.Data.Signature.Clone();
        signature[0] ^= 1;
        return JsonSerializer.Serialize(summary with { Data = summary.Data with { Signature = signature } }, Json);
    }

    private async Task<string> CheckAsync(string[] lines, byte[] key) =>
        await ExportVerifier.CheckAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))), key,
            f.FamilyId, f.Moeder.Session!.UserId) ?? "";
}
