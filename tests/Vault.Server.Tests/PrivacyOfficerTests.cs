using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Privacy;

namespace Vault.Server.Tests;

/// <summary>
/// The privacy officer: audit metadata filtered, paged and as CSV; families, memberships and grants; the unusual-access
/// report. Every query audited, everyone else refused (and audited), never content or key material in an answer.
/// </summary>
public sealed class PrivacyOfficerTests : IAsyncLifetime
{
    private const string OddPurpose = "begeleiding, \"intensief\"\nweek 2";
    private readonly VaultServer server = new() { Settings = { ["Vault:Privacy:FamiliesPerDayThreshold"] = "3" } };
    private readonly Cast cast;
    private Guid familyId, otherFamilyId, channelId, janGrantId;
    private VaultClient guardian = null!, coordinator = null!, jan = null!, officer = null!;

    public PrivacyOfficerTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        jan = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Wijkcoach, "jan");
        channelId = (await guardian.CreateChannelAsync(familyId, "kennismaking",
            [new ChannelMember(jan.Session!.UserId, Permissions.Read, OddPurpose),
             new ChannelMember(coordinator.Session!.UserId, Permissions.Write, "=1+1 begeleiding")])).Id;
        await coordinator.SendAsync(familyId, channelId, "een geheim bericht");
        await jan.HistoryAsync(familyId, channelId);
        janGrantId = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == jan.Session.UserId).Grant.GrantId;
        (otherFamilyId, _, _) = await cast.FamilyAsync("b");
        officer = await cast.AccountAsync(Roles.PrivacyOfficer, "fg.jansen");
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PrivacyAudit_Filters_ReturnOnlyMatchingEntries()
    {
        var janId = jan.Session!.UserId;
        var byJan = await AllAsync(new PrivacyAuditQuery(Actor: janId));
        Assert.NotEmpty(byJan);
        Assert.All(byJan, e => Assert.Equal(janId, e.ActorUserId));

        var reads = await AllAsync(new PrivacyAuditQuery(Action: "message.history.read"));
        Assert.Contains(reads, e => e.ActorUserId == janId && e.Purpose == OddPurpose);
        Assert.All(reads, e => Assert.Equal("message.history.read", e.Action));
        var messages = await AllAsync(new PrivacyAuditQuery(Action: "message.*"));
        Assert.All(messages, e => Assert.StartsWith("message.", e.Action, StringComparison.Ordinal));
        Assert.Contains(messages, e => e.Action == "message.sent");

        var family = await AllAsync(new PrivacyAuditQuery(Family: familyId));
        Assert.All(family, e => Assert.Equal(familyId, e.FamilyId));
        Assert.DoesNotContain(family, e => e.FamilyId == otherFamilyId);
        Assert.NotEmpty(await AllAsync(new PrivacyAuditQuery(Family: otherFamilyId)));

        var read = reads.Single(e => e.ActorUserId == janId);
        var since = await AllAsync(new PrivacyAuditQuery(From: read.Time));
        Assert.All(since, e => Assert.True(e.Time >= read.Time));
        Assert.Contains(since, e => e.Index == read.Index);
        var before = await AllAsync(new PrivacyAuditQuery(To: read.Time));
        Assert.All(before, e => Assert.True(e.Time < read.Time));
        Assert.NotEmpty(before);

        var first = await officer.PrivacyAuditPageAsync(new PrivacyAuditQuery(Family: familyId), limit: 2);
        Assert.Equal(2, first.Entries.Count);
        var second = await officer.PrivacyAuditPageAsync(new PrivacyAuditQuery(Family: familyId), after: first.NextAfter!.Value, limit: 2);
        Assert.True(second.Entries[0].Index > first.Entries[1].Index);
        Assert.Equal(family.Skip(2).Take(2).Select(e => e.Index), second.Entries.Select(e => e.Index));
    }

    [Fact]
    public async Task PrivacyAuditCsv_AllMatching_HasHeaderAndEscapes()
    {
        var json = await AllAsync(new PrivacyAuditQuery(Family: familyId));
        using var csv = new MemoryStream();
        await officer.PrivacyAuditCsvAsync(new PrivacyAuditQuery(Family: familyId), csv);
        var rows = ParseCsv(Encoding.UTF8.GetString(csv.ToArray()));

        Assert.Equal(PrivacyAuditHeader, string.Join(',', rows[0]));
        // Everything the JSON pages showed, and the CSV query's own entry (a query about a family is in its trail).
        Assert.Equal([.. json.Select(e => e.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows[^1][0]],
            rows.Skip(1).Select(r => r[0]));
        Assert.Equal("privacy.audit.queried", rows[^1][2]);
        Assert.All(rows.Skip(1), r => Assert.Equal(12, r.Count));
        Assert.Contains(rows, r => r[2] == "message.history.read" && r[10] == OddPurpose && r[6] == jan.Session!.UserId.ToString());
        Assert.Contains(rows, r => r[10] == "'=1+1 begeleiding"); // a spreadsheet would have run it as a formula
        Assert.All(rows.Skip(1), r => Assert.Equal(familyId.ToString(), r[4]));
    }

    [Fact]
    public async Task PrivacyEndpoints_NonOfficer_403AndTheRefusalAudited()
    {
        var paths = new[] { "/privacy/audit", "/privacy/families", $"/privacy/families/{familyId}", "/privacy/reports/unusual" };
        foreach (var caller in new[] { guardian, coordinator, await cast.AdminAsync() })
        {
            using var http = await HttpAsync(caller);
            foreach (var path in paths)
            {
                var response = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Contains(ProblemTypes.Forbidden, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        var refused = await AllAsync(new PrivacyAuditQuery(Actor: guardian.Session!.UserId, Action: "privacy.*"));
        Assert.Equal(["privacy.audit.queried", "privacy.families.listed", "privacy.family.read", "privacy.report.read"],
            refused.Select(e => e.Action).Order(StringComparer.Ordinal));
        Assert.All(refused, e => Assert.False(e.Allowed));
        using var anonymous = server.NewHttp();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/privacy/families")).StatusCode);
    }

    [Fact]
    public async Task PrivacyQueries_EachAuditedBeforeAnswered_FamilyReadInTheFamilysOwnTrail()
    {
        var officerId = officer.Session!.UserId;
        Assert.Empty(await Entries("privacy.%", officerId));
        await officer.PrivacyAuditPageAsync(new PrivacyAuditQuery(Actor: jan.Session!.UserId));
        Assert.Equal(["privacy.audit.queried"], await Entries("privacy.%", officerId));
        await officer.PrivacyFamiliesAsync();
        await officer.PrivacyFamilyAsync(familyId);
        await officer.UnusualAccessReportAsync();
        await officer.PrivacyAuditCsvAsync(new PrivacyAuditQuery(), Stream.Null);
        Assert.Equal(["privacy.audit.queried", "privacy.families.listed", "privacy.family.read", "privacy.report.read", "privacy.audit.queried"],
            await Entries("privacy.%", officerId));

        var view = await guardian.ReadAccessViewAsync(familyId);
        Assert.Contains(view.Entries, e => e.Action == "privacy.family.read"
            && e.Dutch == "Een privacyfunctionaris bekeek de leden en toestemmingen van het gezin (privacytoezicht)");
    }

    [Fact]
    public async Task PrivacyFamilies_MetadataOfEveryFamily_MembershipsAndGrantsAlsoEnded()
    {
        await guardian.WithdrawGrantAsync(familyId, janGrantId, "niet meer nodig");
        await guardian.RemoveMemberAsync(familyId, jan.Session!.UserId);

        var families = await officer.PrivacyFamiliesAsync();
        var a = families.Single(f => f.Id == familyId);
        Assert.Equal(("KG-2026-1", "GM0363", "intake"), (a.Reference, a.Gemeente, a.Status));
        Assert.Equal(2, a.Members); // coordinator and guardian; jan was removed
        Assert.Equal(1, a.GrantsInForce);
        Assert.Contains(families, f => f.Id == otherFamilyId);

        var detail = await officer.PrivacyFamilyAsync(familyId);
        var removed = detail.Memberships.Single(m => m.UserId == jan.Session.UserId);
        Assert.Equal(("jan", Roles.Wijkcoach), (removed.Username, removed.Role));
        Assert.NotNull(removed.RemovedAt);
        var withdrawn = detail.Grants.Single(g => g.GrantId == janGrantId);
        Assert.Equal(("withdrawn", OddPurpose, "consent", "niet meer nodig"), (withdrawn.Status, withdrawn.Purpose, withdrawn.LegalBasis, withdrawn.WithdrawalReason));
        Assert.Equal([guardian.Session!.UserId], withdrawn.SignedBy);
        Assert.Equal(ConsentScopes.Channel(channelId), withdrawn.Scope);
        var missing = await Assert.ThrowsAsync<VaultApiException>(() => officer.PrivacyFamilyAsync(Guid.NewGuid()));
        Assert.Equal(ProblemTypes.NotFound, missing.ProblemType);
    }

    [Fact]
    public async Task PrivacyResponses_NeverContentNorKeyMaterial()
    {
        var secrets = server.Column<byte[]>("SELECT Envelope FROM Messages WHERE Envelope IS NOT NULL")
            .Concat(server.Column<byte[]>("SELECT WrappedKey FROM KeyWraps"))
            .Concat(server.Column<byte[]>("SELECT Signature FROM KeyWraps"))
            .Concat(server.Column<byte[]>("SELECT Signature FROM GrantSignatures"))
            .Concat(server.Column<byte[]>("SELECT EncryptedMeta FROM Channels WHERE EncryptedMeta IS NOT NULL"))
            .Concat(server.Column<byte[]>("SELECT KeyBundle FROM AspNetUsers"))
            .Concat(server.Column<byte[]>("SELECT IdentityBoxKey FROM AspNetUsers"))
            .Select(Convert.ToBase64String).ToList();
        Assert.True(secrets.Count > 10);
        using var http = await HttpAsync(officer);
        var answers = new List<string>();
        foreach (var path in new[] { "/privacy/audit?limit=500", "/privacy/audit?format=csv", "/privacy/families",
                     $"/privacy/families/{familyId}", "/privacy/reports/unusual" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        foreach (var answer in answers)
        {
            Assert.All(secrets, s => Assert.DoesNotContain(s, answer, StringComparison.Ordinal));
            foreach (var field in new[] { "envelope", "ciphertext", "wrapped", "encryptedMeta", "signature\"", "keyBundle", "salt", "commitment" })
            {
                Assert.DoesNotContain(field, answer, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.DoesNotContain("een geheim bericht", string.Concat(answers), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusualReport_SeededCases_FoundAndNormalOnesNot()
    {
        // One account opens and works in three families on one day (the threshold here is 3).
        var busy = await cast.AccountAsync(Roles.Coordinator, "druk");
        for (var i = 0; i < 3; i++)
        {
            await busy.CreateFamilyAsync(new Vault.Contracts.Families.CreateFamilyRequest($"KG-DRUK-{i}", "GM0363", new DateOnly(2026, 11, 1), null));
        }
        // Jan is refused three times, then reads after the grant was withdrawn.
        using (var http = await HttpAsync(jan))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/families/{familyId}/audit")).StatusCode);
            }
        }
        await guardian.WithdrawGrantAsync(familyId, janGrantId);
        await Assert.ThrowsAsync<VaultApiException>(() => jan.HistoryAsync(familyId, channelId));
        // The coordinator is refused once: below the threshold, an ordinary mistake.
        await Assert.ThrowsAsync<VaultApiException>(() => coordinator.ReadAccessViewAsync(familyId));

        var report = await officer.UnusualAccessReportAsync();

        var many = Assert.Single(report.Findings, f => f.Kind == UnusualKinds.ManyFamilies);
        Assert.Equal((busy.Session!.UserId, 3), (many.ActorUserId!.Value, many.Count));
        Assert.Equal(3, many.Entries.Select(e => e.FamilyId).Distinct().Count());
        var refused = Assert.Single(report.Findings, f => f.Kind == UnusualKinds.Refused);
        Assert.Equal((jan.Session!.UserId, 4), (refused.ActorUserId!.Value, refused.Count));
        Assert.All(refused.Entries, e => Assert.False(e.Allowed));
        var ended = Assert.Single(report.Findings, f => f.Kind == UnusualKinds.AfterGrantEnded);
        Assert.Equal((jan.Session.UserId, familyId, "message.history.read"), (ended.ActorUserId!.Value, ended.FamilyId!.Value, ended.Entries.Single().Action));
        Assert.DoesNotContain(report.Findings, f => f.Kind == UnusualKinds.OutsideGrant);
        Assert.DoesNotContain(report.Findings, f => f.Kind != UnusualKinds.NightHours
            && (f.ActorUserId == guardian.Session!.UserId || f.ActorUserId == coordinator.Session!.UserId));
    }

    [Fact]
    public async Task UnusualReport_ReadUnderAGrantOutsideItsWindow_Found()
    {
        Assert.DoesNotContain((await officer.UnusualAccessReportAsync()).Findings, f => f.Kind == UnusualKinds.OutsideGrant);
        // As if the grant had only started tomorrow: jan's read today falls outside its window.
        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        Assert.Equal(1, server.Sql("UPDATE Grants SET ValidFromUnixMs = @t WHERE Id = @g", ("@t", tomorrow), ("@g", janGrantId)));

        var report = await officer.UnusualAccessReportAsync();

        var outside = Assert.Single(report.Findings, f => f.Kind == UnusualKinds.OutsideGrant);
        Assert.Equal((jan.Session!.UserId, familyId), (outside.ActorUserId!.Value, outside.FamilyId!.Value));
        Assert.Contains(outside.Entries, e => e.Action == "message.history.read" && e.Purpose == OddPurpose);
    }

    [Theory]
    [InlineData("/privacy/audit?from=gisteren")]
    [InlineData("/privacy/audit?to=2026-13-01")]
    [InlineData("/privacy/audit?from=2026-11-03&to=2026-11-01")]
    [InlineData("/privacy/audit?action=DROP%20TABLE")]
    [InlineData("/privacy/audit?action=me*ssage")]
    [InlineData("/privacy/audit?limit=0")]
    [InlineData("/privacy/audit?limit=501")]
    [InlineData("/privacy/audit?after=-2")]
    [InlineData("/privacy/audit?format=xml")]
    [InlineData("/privacy/reports/unusual?from=0001-01-01")]
    [InlineData("/privacy/reports/unusual?from=2026-11-03&to=2026-11-01")]
    public async Task PrivacyQueries_BadParameters_400ValidationAndNotAudited(string path)
    {
        using var http = await HttpAsync(officer);
        var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(ProblemTypes.Validation, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await Entries("privacy.%", officer.Session!.UserId));
    }

    private const string PrivacyAuditHeader =
        "index,time_utc,action,allowed,family_id,family_seq,actor_user_id,actor_device_id,actor_role,resource,purpose,request_id";

    private async Task<List<PrivacyAuditEntry>> AllAsync(PrivacyAuditQuery query)
    {
        var list = new List<PrivacyAuditEntry>();
        await foreach (var e in officer.PrivacyAuditAsync(query))
        {
            list.Add(e);
        }
        return list;
    }

    private Task<List<string>> Entries(string actionLike, Guid actor) => Task.FromResult(server.Column<string>(
        "SELECT Action FROM AuditEntries WHERE Action LIKE @a AND ActorUserId = @u ORDER BY \"Index\"", ("@a", actionLike), ("@u", actor)));

    private async Task<HttpClient> HttpAsync(VaultClient who)
    {
        var http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await who.AccessTokenAsync());
        return http;
    }

    /// <summary>RFC 4180, strictly: quoted fields may hold commas, doubled quotes and line breaks; rows end in CRLF.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                Assert.False(c is '"' or '\n' or '\r', $"unquoted {c} in a CSV field");
                field.Append(c);
            }
        }
        Assert.True(row.Count == 0 && field.Length == 0, "the CSV does not end with CRLF");
        return rows;
    }
}
