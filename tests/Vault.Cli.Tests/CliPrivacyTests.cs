using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault audit access` (the family's own access view) and `vault privacy ...` (the privacy officer) end to end against
/// the real server binary.
/// </summary>
public sealed partial class CliPrivacyTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string admin = "", coordinator = "", guardian = "", officer = "";
    private string familyId = "", channelId = "", coordinatorId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-9", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        guardian = await AccountAsync("moeder.bakker", Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out));
        coordinatorId = Regex.Match((await Ok(guardian, "family", "members", "--family", familyId)).Out, @"([0-9a-f-]{36})\s+coordinator\.jansen").Groups[1].Value;
        channelId = Match(await Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking",
            "--purpose", "begeleiding", "--members", coordinatorId), "Channel ([0-9a-f-]{36}) opened");
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Dinsdag om tien uur?");
        await Ok(coordinator, "read", "--family", familyId, "--channel", channelId);
        officer = await AccountAsync("fg.jansen", Last((await Ok(admin, "invite", "create", "--role", "privacy-officer")).Out));
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
    public async Task Cli_AuditAccess_GuardianSeesVerifiedTableNewestFirst_FilteredByActor()
    {
        var all = await Ok(guardian, "audit", "access", "--family", familyId, "--lang", "nl");
        Assert.Contains("the family's sequence numbers run without gaps", all.Out, StringComparison.Ordinal);
        Assert.Contains("coordinator.jansen (coördinator) las 1 bericht in kanaal kennismaking — doel: begeleiding", all.Out, StringComparison.Ordinal);
        var times = Rows(all.Out).Select(r => DateTime.ParseExact(r[..19], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).ToList();
        Assert.True(times.Count > 5);
        Assert.Equal(times.OrderDescending(), times);

        var byCoordinator = Rows((await Ok(guardian, "audit", "access", "--family", familyId, "--actor", coordinatorId, "--lang", "en")).Out);
        Assert.NotEmpty(byCoordinator);
        Assert.All(byCoordinator, r => Assert.Contains("coordinator.jansen (coordinator)", r, StringComparison.Ordinal));
        Assert.True(byCoordinator.Count < times.Count);
        Assert.Contains("No entries match.", (await Ok(guardian, "audit", "access", "--family", familyId, "--until", "2020-01-01")).Out,
            StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await Ok(guardian, "audit", "access", "--family", familyId, "--json")).Out);
        Assert.True(json.RootElement.GetProperty("verified").GetBoolean());
        Assert.False(json.RootElement.GetProperty("partial").GetBoolean());
        // Each look at the trail is itself in the trail: later views hold more.
        Assert.True(json.RootElement.GetProperty("entries").GetArrayLength() > times.Count);
        Assert.Equal("audit.read", json.RootElement.GetProperty("entries")[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task Cli_AuditAccess_EntryDeletedOnDisk_Exit3SaysWhatToDoAndShowsNoList()
    {
        DeleteOneFamilyEntry();

        var result = await Run(guardian, "audit", "access", "--family", familyId);

        Assert.Equal(3, result.Code);
        Assert.Contains("verification FAILED", result.Out, StringComparison.Ordinal);
        Assert.Contains("family seq 3 is missing", result.Out, StringComparison.Ordinal);
        Assert.Contains("What to do", result.Err, StringComparison.Ordinal);
        Assert.Empty(Rows(result.Out));
    }

    [Fact]
    public async Task Cli_Privacy_OfficerQueries_WorkAndOthersAreRefused()
    {
        Assert.Contains("KG-2026-9", (await Ok(officer, "privacy", "families")).Out, StringComparison.Ordinal);
        var family = (await Ok(officer, "privacy", "family", familyId)).Out;
        Assert.Contains("moeder.bakker", family, StringComparison.Ordinal);
        Assert.Contains($"{channelId[..8]}", family, StringComparison.Ordinal);
        Assert.Matches(@"PURPOSE; BASIS", family);
        Assert.Matches(@"coordinator\.jansen +write +channel:.* begeleiding; consent", family); // the grantee by name

        using (var json = JsonDocument.Parse((await Ok(officer, "privacy", "audit", "--family", familyId, "--action", "message.*", "--json")).Out))
        {
            var actions = json.RootElement.EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToList();
            Assert.Contains("message.sent", actions);
            Assert.All(actions, a => Assert.StartsWith("message.", a, StringComparison.Ordinal));
        }
        var csv = Path.Combine(root, "audit.csv");
        await Ok(officer, "privacy", "audit", "--family", familyId, "--since", "2020-01-01", "--csv", csv);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.StartsWith("index,time_utc,action,allowed,family_id", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(",message.sent,true,", StringComparison.Ordinal));
        Assert.Contains("Unusual access", (await Ok(officer, "privacy", "report", "--since", "2020-01-01")).Out, StringComparison.Ordinal);

        var refused = await Run(guardian, "privacy", "families");
        Assert.Equal(1, refused.Code);
        Assert.Contains("urn:vault:problem:forbidden", refused.Err, StringComparison.Ordinal);
        var wrong = await Run(officer, "privacy", "audit", "--since", "gisteren");
        Assert.Equal(2, wrong.Code);
        Assert.Contains("--since expects a date as YYYY-MM-DD", wrong.Err, StringComparison.Ordinal);
    }

    /// <summary>The table rows of `vault audit access`: they start with a time.</summary>
    private static List<string> Rows(string output) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => Regex.IsMatch(l, @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")).ToList();

    private void DeleteOneFamilyEntry()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "vault.db")};Pooling=False");
        connection.Open();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM AuditEntries WHERE FamilyId = @f AND FamilySeq = 3";
        delete.Parameters.AddWithValue("@f", familyId.ToUpperInvariant());
        Assert.Equal(1, delete.ExecuteNonQuery());
    }

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
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out);

    private static async Task<CliResult> Ok(string home, params string[] args)
    {
        var result = await Run(home, args);
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }

    private static Task<CliResult> Run(string home, params string[] args) => Cli.RunAsync(home, args, Cli.WithPassphrase());
}
