namespace Vault.Cli.Tests;

/// <summary>
/// Names instead of ids (Names.cs): a name that matches nothing is refused with exit 2 and says where to look, before
/// the command runs. That names resolve to the right ids is shown by the README walkthrough, which uses only names.
/// </summary>
public sealed class CliNamesTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task Family_UnknownReference_SaysWhereToLookAndExits2()
    {
        var home = await server.GuardianAsync("ouder.zonder.gezin");

        var result = await Cli.RunAsync(home, ["family", "members", "--family", "KG-BESTAAT-NIET"], Cli.WithPassphrase());

        Assert.Equal(2, result.Code);
        Assert.Contains("--family KG-BESTAAT-NIET: none of your families has this reference", result.Err, StringComparison.Ordinal);
        Assert.Contains("`vault family list`", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_UnknownUsername_SaysWhereToLookAndExits2()
    {
        var home = await server.GuardianAsync("ouder.zonder.anderen");

        var result = await Cli.RunAsync(home, ["fingerprint", "--user", "niemand.bekend"], Cli.WithPassphrase());

        Assert.Equal(2, result.Code);
        Assert.Contains("--user niemand.bekend: no member of your families has this username", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedId_IsNotTakenForAName_NothingIsLookedUp()
    {
        var handler = new NoServer();

        var result = await Cli.RunAsync(Path.Combine(server.Root, "nobody"), ["family", "members", "--family", "3f2b1c4e-9a7d"],
            handler: handler);

        Assert.Equal(2, result.Code);
        Assert.Contains("--family expects a name or an id like", result.Err, StringComparison.Ordinal);
        Assert.Equal(0, handler.Requests);
    }
}
