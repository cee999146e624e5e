using System.Net.Http.Headers;
using System.Net.Http.Json;
using Vault.Client;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>The tamper-evident audit log as the family and the privacy officer verify it.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private Guid familyId;
    private VaultClient guardian = null!, officer = null!;

    public AuditLogTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, var coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        for (var i = 0; i < 5; i++)
        {
            await krachtgezin.SendAsync(familyId, channel.Id, $"bericht {i}");
        }
        await krachtgezin.HistoryAsync(familyId, channel.Id);
        officer = await cast.AccountAsync(Roles.PrivacyOfficer, "fg.jansen");
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task VerifyAudit_Untouched_FamilyAndOfficerBothVerify()
    {
        var family = await guardian.VerifyAuditAsync(familyId, null);
        Assert.True(family.Ok, family.Failure?.ToString());
        Assert.True(family.EntriesChecked > 10);
        var whole = await officer.VerifyAuditAsync(null, null);
        Assert.True(whole.Ok, whole.Failure?.ToString());
        Assert.True(whole.EntriesChecked > family.EntriesChecked);

        // Later, against the head seen before: the log only grew.
        var again = await guardian.VerifyAuditAsync(familyId, family.Head);
        Assert.True(again.Ok, again.Failure?.ToString());
        Assert.True(again.Head!.TreeSize > family.Head!.TreeSize);
    }

    [Theory]
    [InlineData("UPDATE AuditEntries SET Resource = Resource || 'x' WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET Action = 'message.sent' WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET Allowed = NOT Allowed WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET TimeUnixMs = TimeUnixMs - 1000 WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET Purpose = 'iets anders' WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET Commitment = @blob WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET Salt = @blob WHERE \"Index\" = @i")]
    public async Task VerifyAudit_StoredEntryChanged_FailsNamingIt(string tamper)
    {
        var index = FamilyEntryIndexes()[4];
        Execute(tamper, index);

        var result = await guardian.VerifyAuditAsync(familyId, null);
        Assert.False(result.Ok);
        Assert.Contains($"#{index}", result.Failure!.ToString(), StringComparison.Ordinal);
        Assert.False((await officer.VerifyAuditAsync(null, null)).Ok);
    }

    [Theory]
    [InlineData("UPDATE AuditEntries SET FamilySeq = FamilySeq + 1 WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET ActorUserId = NULL WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET ActorDeviceId = NULL WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET ActorRole = 'privacy-officer' WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET FamilyId = NULL WHERE \"Index\" = @i")]
    [InlineData("UPDATE AuditEntries SET RequestId = 'x' WHERE \"Index\" = @i")]
    public async Task VerifyAudit_AnyColumnOfAnyEntryChanged_OfficerVerificationNamesIt(string tamper)
    {
        var index = FamilyEntryIndexes()[^1]; // the family's last entry: nothing after it in its view
        Execute(tamper, index);
        var result = await officer.VerifyAuditAsync(null, null);
        Assert.False(result.Ok);
        Assert.Contains($"entry #{index}", result.Failure!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_FirstEntryOfTheLogChanged_FailsNamingEntryZero()
    {
        Execute("UPDATE AuditEntries SET Action = 'x' WHERE \"Index\" = @i", 0);
        var result = await officer.VerifyAuditAsync(null, null);
        Assert.Contains("entry #0", result.Failure?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_EntryDeleted_FailsNamingTheMissingOne()
    {
        var index = FamilyEntryIndexes()[4];
        Execute("DELETE FROM AuditEntries WHERE \"Index\" = @i", index);

        var family = await guardian.VerifyAuditAsync(familyId, null);
        Assert.False(family.Ok);
        Assert.Contains("family seq 5 is missing", family.Failure!.ToString(), StringComparison.Ordinal);
        var whole = await officer.VerifyAuditAsync(null, null);
        Assert.Contains($"entry #{index} is missing", whole.Failure!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAudit_TwoEntriesSwapped_FailsNamingTheFirst()
    {
        var indexes = FamilyEntryIndexes();
        var (a, b) = (indexes[3], indexes[6]);
        Execute("UPDATE AuditEntries SET \"Index\" = -1 WHERE \"Index\" = @i", a);
        Execute($"UPDATE AuditEntries SET \"Index\" = {a} WHERE \"Index\" = @i", b);
        Execute($"UPDATE AuditEntries SET \"Index\" = {b} WHERE \"Index\" = @i", -1);

        var result = await guardian.VerifyAuditAsync(familyId, null);
        Assert.False(result.Ok);
        Assert.Contains($"#{b}", result.Failure!.ToString(), StringComparison.Ordinal); // family order meets b's row first
    }

    [Fact]
    public async Task EraseFields_ByPrivacyOfficer_TreeStillVerifies()
    {
        var index = FamilyEntryIndexes()[2];
        using var http = server.NewHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/audit/entries/{index}/erase-personal-fields");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await officer.AccessTokenAsync());
        Assert.True((await http.SendAsync(request)).IsSuccessStatusCode);

        var family = await guardian.VerifyAuditAsync(familyId, null);
        Assert.True(family.Ok, family.Failure?.ToString());
        Assert.Equal(1, family.Erased);
        var whole = await officer.VerifyAuditAsync(null, null);
        Assert.True(whole.Ok, whole.Failure?.ToString());
        Assert.Null(ReadString("SELECT Resource FROM AuditEntries WHERE \"Index\" = @i", index));
    }

    [Fact]
    public async Task AuditPages_NonGuardianOrNonOfficer_Refused()
    {
        using var http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await guardian.AccessTokenAsync());
        Assert.Equal(403, (int)(await http.GetAsync("/audit/entries")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await officer.AccessTokenAsync());
        Assert.Equal(404, (int)(await http.GetAsync($"/families/{familyId}/audit")).StatusCode);
        var head = await http.GetFromJsonAsync<Vault.Contracts.Audit.SignedTreeHeadDto>("/audit/tree-head");
        Assert.True(head!.TreeSize > 0);
    }

    [Fact]
    public async Task Login_SucceededAndFailed_BothAuditedWithoutTheUsername()
    {
        var stranger = server.NewClient();
        var session = guardian.Session!;
        await Assert.ThrowsAsync<VaultApiException>(() =>
            stranger.LoginAsync("moeder", "niet de goede zin", session.DeviceId, session.Device));
        await Assert.ThrowsAsync<VaultApiException>(() =>
            stranger.LoginAsync("niemand.bekend", "niet de goede zin", session.DeviceId, session.Device));
        await stranger.LoginAsync("moeder", Cast.Passphrase, session.DeviceId, session.Device);

        var entries = await AllEntriesAsync();
        var logins = entries.Where(e => e.Action.StartsWith("login.", StringComparison.Ordinal)).ToList();
        Assert.Contains(logins, e => e is { Action: "login.failed", Allowed: false, Fields.Resource: "login/password/wrong-credentials" }
            && e.Fields.ActorUserId == session.UserId);
        Assert.Contains(logins, e => e is { Action: "login.failed", Fields.Resource: "login/password/unknown-account", Fields.ActorUserId: null });
        Assert.Contains(logins, e => e is { Action: "login.succeeded", Allowed: true, Fields.Resource: "login/password/ok" }
            && e.Fields.ActorDeviceId == session.DeviceId);
        Assert.DoesNotContain(entries, e => e.Fields?.Resource.Contains("niemand", StringComparison.Ordinal) == true);
    }

    private async Task<List<Vault.Contracts.Audit.AuditEntryDto>> AllEntriesAsync()
    {
        using var http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await officer.AccessTokenAsync());
        var all = new List<Vault.Contracts.Audit.AuditEntryDto>();
        Vault.Contracts.Audit.AuditPageResponse? page;
        do
        {
            page = await http.GetFromJsonAsync<Vault.Contracts.Audit.AuditPageResponse>(
                $"/audit/entries?after={(all.Count == 0 ? -1 : all[^1].Index)}");
            all.AddRange(page!.Entries.Select(e => e.Entry));
        }
        while (page.More);
        return all;
    }

    private List<long> FamilyEntryIndexes()
    {
        var list = server.Column<long>("SELECT \"Index\" FROM AuditEntries WHERE FamilyId = @f ORDER BY FamilySeq", ("@f", familyId));
        Assert.True(list.Count > 10);
        return list;
    }

    private void Execute(string sql, long index) => Assert.Equal(1, sql.Contains("@blob", StringComparison.Ordinal)
        ? server.Sql(sql, ("@i", index), ("@blob", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)))
        : server.Sql(sql, ("@i", index)));

    private string? ReadString(string sql, long index) => server.Scalar(sql, ("@i", index)) as string;
}
