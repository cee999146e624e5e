using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// The `vault` command end to end against the real server binary: a coordinator opens a family, the guardian opens
/// the kennismaking channel, they message, and the guardian verifies the audit log — then the log is tampered with
/// on disk and `vault audit verify` fails naming the entry.
/// </summary>
public sealed partial class CliMessagingTests : IAsyncLifetime
{
    private const string Passphrase = "lange zin met spaties en cijfers 42";
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private string admin = "", coordinator = "", guardian = "";
    private string familyId = "", channelId = "";

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync();
        admin = await AccountAsync("admin", server.AdminInvitation);
        coordinator = await AccountAsync("coordinator.jansen", Last((await Ok(admin, "invite", "create", "--role", "coordinator")).Out));
        familyId = Match(await Ok(coordinator, "family", "create", "--reference", "KG-2026-7", "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        var code = Last((await Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out);
        guardian = await AccountAsync("moeder.bakker", code);
        var members = (await Ok(guardian, "family", "members", "--family", familyId)).Out;
        var coordinatorId = Regex.Match(members, @"([0-9a-f-]{36})\s+coordinator\.jansen").Groups[1].Value;
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
    public async Task ChannelRetention_DaysThenNone_TheServerKeepsWhatWasSet()
    {
        Assert.Contains("Messages expire after 30 days.",
            (await Ok(guardian, "channel", "retention", "--family", familyId, "--channel", channelId, "--days", "30")).Out, StringComparison.Ordinal);
        Assert.Equal(30, await RetentionDaysAsync());
        Assert.Contains("Messages are kept.",
            (await Ok(guardian, "channel", "retention", "--family", familyId, "--channel", channelId, "--days", "none")).Out, StringComparison.Ordinal);
        Assert.Null(await RetentionDaysAsync());
    }

    private async Task<int?> RetentionDaysAsync()
    {
        using var channels = System.Text.Json.JsonDocument.Parse((await Ok(guardian, "channel", "list", "--family", familyId, "--json")).Out);
        var days = channels.RootElement.EnumerateArray().Single(c => c.GetProperty("id").GetString() == channelId).GetProperty("retentionDays");
        return days.ValueKind == System.Text.Json.JsonValueKind.Null ? null : days.GetInt32();
    }

    [Fact]
    public async Task Cli_SendReadEditDeleteReceipts_RoundTripsThroughTheServer()
    {
        var sent = await Ok(guardian, ["send", "--family", familyId, "--channel", channelId], stdin: "Dinsdag om tien uur?\n");
        var messageId = Match(sent, @"message id ([0-9a-f-]{36})");
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Prima, tot dan.");
        await Ok(guardian, ["edit", "--family", familyId, "--channel", channelId, "--message", messageId], stdin: "Woensdag om tien uur?");

        var read = await Ok(coordinator, "read", "--family", familyId, "--channel", channelId, "--mark-read");
        Assert.Contains("#1 ", read.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Dinsdag om tien uur?", read.Out, StringComparison.Ordinal); // the edit replaced it
        Assert.Contains("Prima, tot dan.", read.Out, StringComparison.Ordinal);
        Assert.Contains("moeder.bakker: Woensdag om tien uur? (edited)", read.Out, StringComparison.Ordinal);
        Assert.Matches(@"coordinator\.jansen  #3 ", (await Ok(guardian, "receipts", "--family", familyId, "--channel", channelId)).Out);

        await Ok(guardian, "delete", "--family", familyId, "--channel", channelId, "--message", messageId);
        var after = await Ok(coordinator, "read", "--family", familyId, "--channel", channelId);
        Assert.DoesNotContain("Dinsdag", after.Out, StringComparison.Ordinal);
        Assert.Contains("#1 ", after.Out, StringComparison.Ordinal);
        Assert.Contains("(deleted)", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ArchivedChannel_RefusesSendsButStaysReadable()
    {
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Laatste bericht");
        await Ok(guardian, "channel", "archive", "--family", familyId, "--channel", channelId);
        var refused = await Run(coordinator, ["send", "--family", familyId, "--channel", channelId, "--text", "nog eentje"]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("channel-archived", refused.Err, StringComparison.Ordinal);
        Assert.Contains("Laatste bericht", (await Ok(guardian, "read", "--family", familyId, "--channel", channelId)).Out,
            StringComparison.Ordinal);
        Assert.Contains("archived", (await Ok(guardian, "channel", "list", "--family", familyId)).Out, StringComparison.Ordinal);
    }

    /// <summary>Issue 9.11: `printf 'PASSPHRASE\nHallo\n' | vault send ...` with VAULT_PASSPHRASE unset.</summary>
    [Fact]
    public async Task Send_PassphrasePipedInFrontOfTheText_RefusedAndNothingSent()
    {
        string[] send = ["send", "--family", familyId, "--channel", channelId];
        var refused = await Cli.RunAsync(guardian, send, stdin: new StringReader(Passphrase + "\nHallo\n"));
        Assert.Equal(1, refused.Code);
        Assert.Contains("The first line of the text is your passphrase: nothing was sent.", refused.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, refused.Err, StringComparison.Ordinal);
        var history = await Ok(coordinator, "read", "--family", familyId, "--channel", channelId);
        Assert.DoesNotContain(Passphrase, history.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Hallo", history.Out, StringComparison.Ordinal);

        // Two lines of which the first is not the passphrase: an ordinary message.
        Assert.Equal(0, (await Cli.RunAsync(guardian, send, stdin: new StringReader("Hoi\nHallo\n"))).Code);
        Assert.Contains("Hallo", (await Ok(coordinator, "read", "--family", familyId, "--channel", channelId)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_StoredEntryAltered_ExitsNonZeroNamingIt()
    {
        await Ok(coordinator, "send", "--family", familyId, "--channel", channelId, "--text", "Hallo");
        var verified = await Ok(guardian, "audit", "verify", "--family", familyId);
        Assert.Contains("Audit log verified", verified.Out, StringComparison.Ordinal);

        var index = AlterOneFamilyEntry();
        var failed = await Run(guardian, ["audit", "verify", "--family", familyId]);
        Assert.Equal(3, failed.Code);
        Assert.Contains($"entry #{index}", failed.Out, StringComparison.Ordinal);
    }

    private long AlterOneFamilyEntry()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "vault.db")};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT \"Index\" FROM AuditEntries WHERE FamilyId = @f ORDER BY FamilySeq LIMIT 1 OFFSET 2";
        select.Parameters.AddWithValue("@f", familyId.ToUpperInvariant());
        var index = (long)select.ExecuteScalar()!;
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE AuditEntries SET Action = 'family.read' WHERE \"Index\" = @i AND Action <> 'family.read'";
        update.Parameters.AddWithValue("@i", index);
        Assert.Equal(1, update.ExecuteNonQuery());
        return index;
    }

    /// <summary>Accepts an invitation and logs in (with a TOTP code when the account has one); returns the profile home.</summary>
    private async Task<string> AccountAsync(string username, string code)
    {
        var home = Path.Combine(root, username);
        var accepted = await Ok(home, "invite", "accept", "--server", server.Url, "--code", code, "--username", username);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await Ok(home, secret.Length > 0
            ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp()]
            : ["login"]);
        return home;
    }

    private static string Last(string output) => output.Trim().Split('\n')[^1].Trim();

    private static string Match((int Code, string Out, string Err) result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out);

    private static Task<(int Code, string Out, string Err)> Ok(string home, params string[] args) => Ok(home, args, "");

    private static async Task<(int Code, string Out, string Err)> Ok(string home, string[] args, string stdin)
    {
        var result = await Run(home, args, stdin);
        Assert.True(result.Code == 0, $"vault {string.Join(' ', args)} exited {result.Code}: {result.Err}");
        return result;
    }

    private static async Task<(int Code, string Out, string Err)> Run(string home, string[] args, string stdin = "")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(stdin),
            name => name switch { "VAULT_HOME" => home, "VAULT_PASSPHRASE" => Passphrase, _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
