namespace Vault.Server.Tests;

/// <summary>Retention settings are checked at start: a clock that would purge too early stops the server with a clear message.</summary>
public sealed class RetentionOptionsTests
{
    [Theory]
    [InlineData("Vault:Retention:AuditYears", "4", "NEN 7513")]
    [InlineData("Vault:Retention:ContentYearsAfterEnd", "0", "ContentYearsAfterEnd")]
    [InlineData("Vault:Retention:CategoryYearsAfterEnd:brieven", "2", "use one of plan, verslag")]
    [InlineData("Vault:Retention:CategoryYearsAfterEnd:overig", "0", "CategoryYearsAfterEnd:overig")]
    [InlineData("Vault:Retention:ChannelYearsAfterEnd", "0", "ChannelYearsAfterEnd")]
    [InlineData("Vault:Retention:BatchSize", "0", "BatchSize")]
    [InlineData("Vault:Retention:Interval", "00:00:10", "Interval")]
    public void Start_RetentionSettingOutOfBounds_Refused(string setting, string value, string message)
    {
        using var server = new VaultServer { Settings = { [setting] = value } };
        var refused = Assert.ThrowsAny<Exception>(() => server.NewHttp());
        var messages = new List<string>();
        for (Exception? e = refused; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }
        Assert.Contains(message, string.Join(" | ", messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FiveAuditYears_Starts()
    {
        using var server = new VaultServer { Settings = { ["Vault:Retention:AuditYears"] = "5" } };
        using var http = server.NewHttp();
        Assert.True((await http.GetAsync(new Uri("/health/live", UriKind.Relative))).IsSuccessStatusCode);
    }
}
