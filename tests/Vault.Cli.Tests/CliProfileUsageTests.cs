namespace Vault.Cli.Tests;

/// <summary>
/// Help for the verbs of profiles, sessions and receipts, the global --profile option, and tab completion through
/// the [suggest] directive (what dotnet-suggest asks): none of it reaches a server.
/// </summary>
public sealed class CliProfileUsageTests : IDisposable
{
    private readonly string home = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private readonly NoServer server = new();

    public void Dispose()
    {
        Assert.Equal(0, server.Requests);
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("whoami", "--json --profile")]
    [InlineData("logout", "--profile")]
    [InlineData("profile list", "--json --profile")]
    [InlineData("receipt verify", "FILE --json --profile")]
    [InlineData("withdraw", "--family --grant --reason --receipt-out --profile")]
    public async Task Help_OnANewVerb_PrintsItsOptionsAndExamples(string verb, string options)
    {
        var help = await Run([.. verb.Split(' '), "--help"]);
        Assert.Equal(0, help.Code);
        Assert.Contains($"Usage:\n  vault {verb} ", help.Out, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  vault ", help.Out, StringComparison.Ordinal);
        foreach (var option in options.Split(' '))
        {
            Assert.Contains(option, help.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("[suggest:4]", "prof", "profile")]
    [InlineData("[suggest:15]", "receipt verify ", "--json")]
    [InlineData("[suggest:22]", "family create --refer", "--reference")]
    public async Task Suggest_PartialCommandLine_CompletesIt(string directive, string line, string expected)
    {
        var result = await Run([directive, line]);
        Assert.Equal(0, result.Code);
        Assert.Contains(expected, result.Out.Split('\n').Select(l => l.Trim()));
    }

    [Fact]
    public async Task Whoami_NoProfile_SaysHowToSetUp()
    {
        var result = await Run(["whoami"]);
        Assert.Equal(ExitCodes.Failed, result.Code);
        Assert.Contains("This machine is not set up", result.Err, StringComparison.Ordinal);
        var list = await Run(["profile", "list"]);
        Assert.Equal(0, list.Code);
        Assert.Contains("No profiles in", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiptVerify_NotAReceipt_Exits3()
    {
        Directory.CreateDirectory(home);
        var file = Path.Combine(home, "notes.json");
        // Everything a receipt file has but its format: a receipt file of another kind is not checked as this one.
        await File.WriteAllTextAsync(file, $$"""
            {"format": "other", "receipt": "aGFsbG8=", "signature": "{{Convert.ToBase64String(new byte[64])}}",
             "signedWith": "{{Convert.ToBase64String(new byte[32])}}", "statement": {} }
            """);
        var result = await Run(["receipt", "verify", file]);
        Assert.Equal(ExitCodes.VerificationFailed, result.Code);
        Assert.Contains("is not a vault.signed-receipt.v1 receipt file", result.Err, StringComparison.Ordinal);
        var missing = await Run(["receipt", "verify", Path.Combine(home, "absent.json")]);
        Assert.Equal(ExitCodes.Failed, missing.Code);
    }

    private Task<CliResult> Run(string[] args) => Cli.RunAsync(home, args, handler: server);
}
