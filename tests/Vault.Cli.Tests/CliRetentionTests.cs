using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// `vault privacy retention` against the real server binary: the privacy officer sees a family's clocks and legal hold,
/// as text and as JSON; a case worker is refused.
/// </summary>
public sealed class CliRetentionTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task PrivacyRetention_OfficerAndCaseWorker_ClocksShownOrRefused()
    {
        var coordinator = await AccountAsync("coordinator.retentie", "coordinator");
        var officer = await AccountAsync("fg.retentie", "privacy-officer");
        var familyId = Regex.Match((await AdminServer.Ok(coordinator, "family", "create", "--reference", "KG-2026-R", "--gemeente", "GM0363",
            "--start", "2026-11-01")).Out, "Family ([0-9a-f-]{36}) opened").Groups[1].Value;
        EndTraject(familyId, new DateOnly(2020, 3, 1), "Jeugdwet art. 7.3.8");

        var text = await AdminServer.Ok(officer, "privacy", "retention", "--family", familyId);

        Assert.Contains($"Family {familyId}: traject intake, ended 2020-03-01.", text.Out, StringComparison.Ordinal);
        Assert.Contains("Legal hold: Jeugdwet art. 7.3.8, without end (in force).", text.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^content\s+family\s+20\s+2040-03-01\s+running\r?$", text.Out);
        Assert.Matches(@"(?m)^audit\s+entries\s+20\s+\d{4}-\d\d-\d\d\s+running\r?$", text.Out);
        Assert.Contains("Nothing purged by retention yet.", text.Out, StringComparison.Ordinal);

        var json = await AdminServer.Ok(officer, "privacy", "retention", "--family", familyId, "--json");
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(familyId, document.RootElement.GetProperty("familyId").GetString());
        Assert.Equal("2020-03-01", document.RootElement.GetProperty("endedOn").GetString());
        Assert.True(document.RootElement.GetProperty("legalHold").GetProperty("inForce").GetBoolean());
        Assert.Equal(8, document.RootElement.GetProperty("clocks").GetArrayLength());

        var refused = await Cli.RunAsync(coordinator, ["privacy", "retention", "--family", familyId], Cli.WithPassphrase());
        Assert.Equal(1, refused.Code);
        Assert.Contains("forbidden", refused.Err, StringComparison.Ordinal);
    }

    private async Task<string> AccountAsync(string username, string role)
    {
        var home = Path.Combine(server.Root, username);
        var accepted = await AdminServer.Ok(home, "invite", "accept", "--server", server.Url, "--code", await server.InvitationAsync(role),
            "--username", username);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await AdminServer.Ok(home, secret.Length > 0 ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp()] : ["login"]);
        return home;
    }

    /// <summary>The traject's end and a hold, as if set long ago (no CLI verb ends a traject).</summary>
    private void EndTraject(string familyId, DateOnly endedOn, string holdGround)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "vault.db")};Pooling=False");
        connection.Open();
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE Families SET EndedOn = @d, LegalHoldGround = @g WHERE Id = @f";
        update.Parameters.AddWithValue("@d", endedOn);
        update.Parameters.AddWithValue("@g", holdGround);
        update.Parameters.AddWithValue("@f", familyId.ToUpperInvariant());
        Assert.Equal(1, update.ExecuteNonQuery());
    }
}
