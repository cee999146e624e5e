using System.Text.Json;
using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// What `vault` prints, against the real server binary: names instead of ids, tables with headers, --json that parses
/// and carries the names, edits and deletions folded into their message, `listen` going on from `read --mark-read`,
/// and --lang.
/// </summary>
public sealed class CliOutputTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string coordinator = "", guardian = "", familyId = "", channelId = "", coordinatorId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        var admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-7", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        var code = Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out);
        guardian = await AccountAsync("moeder.bakker", code);
        coordinatorId = Match(await Ok(guardian, "family", "members", "--family", familyId), @"([0-9a-f-]{36})\s+coordinator\.jansen");
        channelId = Match(await Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking",
            "--purpose", "kennismaking en begeleiding", "--members", coordinatorId), "Channel ([0-9a-f-]{36}) opened");
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
    public async Task Read_EditAndDelete_FoldedIntoTheMessageTheyChange()
    {
        var first = Match(await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Dinsdag om tien uur?"),
            @"message id ([0-9a-f-]{36})");
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Prima, tot dan.");
        await Ok(guardian, "edit", "--family", familyId, "--channel", channelId, "--message", first, "--text", "Woensdag om tien uur?");

        var edited = Lines((await Ok(coordinator, "read", "--family", familyId, "--channel", channelId)).Out);
        Assert.Equal(2, edited.Count); // the edit is no line of its own
        Assert.Matches(@"^#1 \d{4}-\d\d-\d\d \d\d:\d\d moeder\.bakker: Woensdag om tien uur\? \(edited\)$", edited[0]);
        Assert.Matches(@"^#2 .* coordinator\.jansen: Prima, tot dan\.$", edited[1]);
        Assert.EndsWith("Woensdag om tien uur? (bewerkt)",
            Lines((await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--lang", "nl")).Out)[0], StringComparison.Ordinal);

        await Ok(guardian, "delete", "--family", familyId, "--channel", channelId, "--message", first);
        var deleted = Lines((await Ok(coordinator, "read", "--family", familyId, "--channel", channelId)).Out);
        Assert.Equal(2, deleted.Count);
        Assert.Matches(@"^#1 .* moeder\.bakker: \(deleted\)$", deleted[0]);
        Assert.EndsWith("moeder.bakker: (verwijderd)",
            Lines((await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--lang", "nl")).Out)[0], StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--json")).Out);
        var original = json.RootElement[0];
        Assert.Equal(2, json.RootElement.GetArrayLength());
        Assert.Equal((1L, first, "moeder.bakker", true, JsonValueKind.Null), (original.GetProperty("seq").GetInt64(),
            original.GetProperty("messageId").GetString(), original.GetProperty("sender").GetProperty("username").GetString(),
            original.GetProperty("deleted").GetBoolean(), original.GetProperty("text").ValueKind));
    }

    [Fact]
    public async Task Listen_AfterReadMarkReadElsewhere_PrintsOnlyWhatCameAfter()
    {
        foreach (var text in new[] { "Eerste", "Tweede", "Derde" })
        {
            await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", text);
        }
        // Another device of the guardian's reads them: the read position is the account's, on the server.
        var phone = Path.Combine(root, "moeder.bakker-phone");
        await Ok(phone, "login", "--server", server.Url, "--username", "moeder.bakker", "--device-name", "telefoon");
        await Ok(phone, "read", "--family", familyId, "--channel", channelId, "--mark-read");
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Vierde");

        var listened = Lines((await Ok(guardian, "listen", "--count", "1")).Out);

        Assert.Matches(@"^#4 .* coordinator\.jansen: Vierde$", Assert.Single(listened));
    }

    [Fact]
    public async Task Listen_EditOfAMessageShownBefore_PrintsThatMessageMarkedEdited()
    {
        var sent = Match(await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Dinsdag?"), @"message id ([0-9a-f-]{36})");
        Assert.Matches(@"^#1 .* moeder\.bakker: Dinsdag\?$", Assert.Single(Lines((await Ok(coordinator, "listen", "--count", "1")).Out)));

        // Each listen is a run of its own: the message changed was shown by an earlier one.
        await Ok(guardian, "edit", "--family", familyId, "--channel", channelId, "--message", sent, "--text", "Woensdag?");
        Assert.Matches(@"^#1 .* moeder\.bakker: Woensdag\? \(edited\)$", Assert.Single(Lines((await Ok(coordinator, "listen", "--count", "1")).Out)));

        await Ok(guardian, "edit", "--family", familyId, "--channel", channelId, "--message", sent, "--text", "Donderdag?");
        using var json = JsonDocument.Parse(Assert.Single(Lines((await Ok(coordinator, "listen", "--count", "1", "--json")).Out))); // one object per line
        Assert.Equal((1L, sent, "Donderdag?", true, "moeder.bakker"), (json.RootElement.GetProperty("seq").GetInt64(),
            json.RootElement.GetProperty("messageId").GetString(), json.RootElement.GetProperty("text").GetString(),
            json.RootElement.GetProperty("edited").GetBoolean(), json.RootElement.GetProperty("sender").GetProperty("username").GetString()));

        await Ok(guardian, "delete", "--family", familyId, "--channel", channelId, "--message", sent);
        Assert.Matches(@"^#1 .* moeder\.bakker: \(deleted\)$", Assert.Single(Lines((await Ok(coordinator, "listen", "--count", "1")).Out)));
    }

    [Fact]
    public async Task Json_GrantsReceiptsMembersFamilies_ParseAndCarryTheNames()
    {
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Hallo");
        await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--mark-read");

        using (var grants = JsonDocument.Parse((await Ok(guardian, "grants", "--family", familyId, "--json")).Out))
        {
            var grant = Assert.Single(grants.RootElement.EnumerateArray());
            Assert.Equal(("coordinator.jansen", coordinatorId, $"channel:{channelId}", "kennismaking"), (
                grant.GetProperty("grantee").GetProperty("username").GetString(), grant.GetProperty("grantee").GetProperty("id").GetString(),
                grant.GetProperty("scope").GetString(), grant.GetProperty("scopeName").GetString()));
        }
        using (var receipts = JsonDocument.Parse((await Ok(guardian, "receipts", "--family", familyId, "--channel", channelId, "--json")).Out))
        {
            var receipt = Assert.Single(receipts.RootElement.EnumerateArray());
            Assert.Equal(("coordinator.jansen", 1L), (receipt.GetProperty("reader").GetProperty("username").GetString(),
                receipt.GetProperty("upToSeq").GetInt64()));
        }
        using (var members = JsonDocument.Parse((await Ok(guardian, "family", "members", "--family", familyId, "--json")).Out))
        {
            Assert.Contains(members.RootElement.EnumerateArray(), m =>
                m.GetProperty("username").GetString() == "moeder.bakker" && m.GetProperty("role").GetString() == "guardian");
        }
        using (var families = JsonDocument.Parse((await Ok(coordinator, "family", "list", "--json")).Out))
        {
            var family = Assert.Single(families.RootElement.EnumerateArray());
            Assert.Equal((familyId, "KG-2026-7", "coordinator"), (family.GetProperty("id").GetString(),
                family.GetProperty("reference").GetString(), family.GetProperty("myRole").GetString()));
        }
    }

    [Fact]
    public async Task Lists_TablesWithHeaders_ShowNamesAndKeepIds()
    {
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Hallo");
        await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--mark-read");

        var grants = Lines((await Ok(guardian, "grants", "--family", familyId)).Out);
        Assert.Matches("^ID +STATUS +GRANTEE +PERMISSION +SCOPE +UNTIL +PURPOSE$", grants[0]);
        Assert.Matches(@"^[0-9a-f-]{36}  active +coordinator\.jansen +write +channel ""kennismaking"" +until withdrawn +kennismaking en begeleiding$",
            Assert.Single(grants.Skip(1)));

        var receipts = Lines((await Ok(guardian, "receipts", "--family", familyId, "--channel", channelId)).Out);
        Assert.Matches("^READER +READ UP TO +AT \\(UTC\\) +USER ID$", receipts[0]);
        Assert.Matches($@"^coordinator\.jansen  #1 +\d{{4}}-\d\d-\d\d \d\d:\d\d  {coordinatorId}$", Assert.Single(receipts.Skip(1)));

        var families = Lines((await Ok(coordinator, "family", "list")).Out);
        Assert.Matches("^ID +REFERENCE +YOUR ROLE +SINCE$", families[0]);
        Assert.Matches($@"^{familyId}  KG-2026-7  coordinator  \d{{4}}-\d\d-\d\d$", Assert.Single(families.Skip(1)));

        var members = Lines((await Ok(guardian, "family", "members", "--family", familyId, "--lang", "nl")).Out);
        Assert.Matches("^ID +GEBRUIKERSNAAM +ROL +LID SINDS +STATUS$", members[0]);
        Assert.Contains(members, l => Regex.IsMatch(l, $@"^{coordinatorId}  coordinator\.jansen +coordinator +\d{{4}}-\d\d-\d\d  lid$"));
    }

    [Fact]
    public async Task Withdraw_Receipt_NamesTheGranteeAndTablesWhatTheyAccessed()
    {
        await Ok(guardian, "send", "--family", familyId, "--channel", channelId, "--text", "Hallo");
        await Ok(coordinator, "read", "--family", familyId, "--channel", channelId);
        using (var granted = JsonDocument.Parse((await Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId,
            "--scope", "documents:verslag", "--purpose", "verslagen lezen", "--json")).Out))
        {
            Assert.Equal(("coordinator.jansen", "documents:verslag", JsonValueKind.Null), (granted.RootElement.GetProperty("grantee").GetProperty("username").GetString(),
                granted.RootElement.GetProperty("scope").GetString(), granted.RootElement.GetProperty("scopeName").ValueKind));
            using var receipt = JsonDocument.Parse((await Ok(guardian, "withdraw", "--family", familyId,
                "--grant", granted.RootElement.GetProperty("id").GetString()!, "--json")).Out);
            Assert.Equal(("coordinator.jansen", "moeder.bakker", 0L), (receipt.RootElement.GetProperty("grantee").GetProperty("username").GetString(),
                receipt.RootElement.GetProperty("withdrawnBy").GetProperty("username").GetString(), receipt.RootElement.GetProperty("accessedCount").GetInt64()));
        }

        var grant = Match(await Ok(guardian, "grants", "--family", familyId, "--json"), $@"""id"": ""([0-9a-f-]{{36}})"",\s+""familyId"": ""{familyId}"",\s+""status"": ""active""");
        var withdrawn = Lines((await Ok(guardian, "withdraw", "--family", familyId, "--grant", grant)).Out);

        var accessed = int.Parse(Regex.Match(withdrawn[0], @"the grantee had (\d+) audited access").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accessed >= 1, withdrawn[0]);
        Assert.EndsWith(accessed == 1 ? " 1 audited access:" : " audited accesses:", withdrawn[0], StringComparison.Ordinal);
        Assert.Matches("^ENTRY +TIME \\(UTC\\) +ACTION +RESOURCE$", withdrawn[1]);
        var rows = withdrawn.Skip(2).Count(l => Regex.IsMatch(l, @"^#\d+ +\d{4}-\d\d-\d\d \d\d:\d\d  "));
        Assert.True(rows == accessed, string.Join('\n', withdrawn));
    }

    [Fact]
    public async Task Counts_OneDay_SingularInBothLanguages()
    {
        Assert.Contains("Messages expire after 1 day.", (await Ok(guardian, "channel", "retention", "--family", familyId, "--channel", channelId,
            "--days", "1")).Out, StringComparison.Ordinal);
        var channel = Lines((await Ok(guardian, "channel", "list", "--family", familyId)).Out)[1];
        Assert.Matches($@"^{channelId}  kennismaking  0 +1 day  open$", channel);
        Assert.Matches(@"  1 dag +open$", Lines((await Ok(guardian, "channel", "list", "--family", familyId, "--lang", "nl")).Out)[1]);
        Assert.Contains("Berichten vervallen na 2 dagen.", (await Ok(guardian, "channel", "retention", "--family", familyId, "--channel", channelId,
            "--days", "2", "--lang", "nl")).Out, StringComparison.Ordinal);
    }

    private static List<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

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

    private static async Task<CliResult> Ok(string home, params string[] args)
    {
        var result = await Cli.RunAsync(home, args, Cli.WithPassphrase());
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }
}
