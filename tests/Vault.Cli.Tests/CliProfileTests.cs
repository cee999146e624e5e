using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// Several accounts on one machine (--profile NAME, VAULT_PROFILE) next to the default profile, `vault whoami` and
/// `vault logout`, through the real server binary.
/// </summary>
public sealed class CliProfileTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Profile_NamedNextToDefault_EachActsAsItsOwnAccount()
    {
        var home = Path.Combine(server.Root, "p1");
        await AdminServer.Ok(home, "invite", "accept", "--server", server.Url, "--code", await server.InvitationAsync("guardian"), "--username", "p1.thuis");
        await AdminServer.Ok(home, "login");
        var accepted = await AdminServer.Ok(home, "--profile", "werk", "invite", "accept", "--server", server.Url, "--code",
            await server.InvitationAsync("guardian"), "--username", "p1.werk");
        Assert.Contains("p1.werk", accepted.Out, StringComparison.Ordinal);
        Assert.Contains("Next: `vault --profile werk login`", accepted.Out, StringComparison.Ordinal);
        await AdminServer.Ok(home, "login", "--profile", "werk"); // the option is recursive: after the verb too

        var named = Path.Combine(home, "profiles", "werk");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(named, "profile.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(named));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.Combine(home, "profiles")));

        Assert.Matches(@"Username:\s+p1\.thuis", (await AdminServer.Ok(home, "whoami")).Out);
        Assert.Matches(@"Username:\s+p1\.werk", (await AdminServer.Ok(home, "--profile", "werk", "whoami")).Out);
        var byVariable = await Cli.RunAsync(home, ["whoami"], new Dictionary<string, string> { ["VAULT_PROFILE"] = "werk" });
        Assert.Matches(@"Username:\s+p1\.werk", byVariable.Out);
        Assert.Matches(@"Username:\s+p1\.thuis", (await AdminServer.Ok(home, "--profile", "default", "whoami")).Out);
        var flagWins = await Cli.RunAsync(home, ["--profile", "werk", "whoami"], new Dictionary<string, string> { ["VAULT_PROFILE"] = "../x" });
        Assert.True(flagWins.Code == 0, flagWins.Err);
        Assert.Matches(@"Username:\s+p1\.werk", flagWins.Out);

        var list = await Cli.RunAsync(home, ["profile", "list"], new Dictionary<string, string> { ["VAULT_PROFILE"] = "werk" });
        Assert.Matches(@"\n  default\s+p1\.thuis\s+yes\s+http", list.Out);
        Assert.Matches(@"\n\* werk\s+p1\.werk\s+yes\s+http", list.Out);
        var json = JsonDocument.Parse((await AdminServer.Ok(home, "profile", "list", "--json")).Out).RootElement;
        Assert.Equal(["default", "werk"], json.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(json[0].GetProperty("current").GetBoolean());
        Assert.False(json[1].GetProperty("current").GetBoolean());
    }

    [Theory]
    [InlineData("../elders")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public async Task Profile_NameWithAPath_RefusedAsUsageWithoutARequest(string name)
    {
        var home = Path.Combine(server.Root, "p2");
        var noServer = new NoServer();
        var flag = await Cli.RunAsync(home, ["--profile", name, "whoami"], handler: noServer);
        Assert.Equal(ExitCodes.Usage, flag.Code);
        Assert.Contains("--profile expects a name of 1 to 64 letters, digits", flag.Err, StringComparison.Ordinal);
        var variable = await Cli.RunAsync(home, ["whoami"], new Dictionary<string, string> { ["VAULT_PROFILE"] = name }, handler: noServer);
        Assert.Equal(ExitCodes.Usage, variable.Code);
        Assert.Contains("a profile name is 1 to 64 letters", variable.Err, StringComparison.Ordinal);
        Assert.Equal(0, noServer.Requests);
        Assert.False(Directory.Exists(Path.Combine(server.Root, "elders")));
    }

    [Fact]
    public async Task WhoamiLogout_SignedInThenOut_ReportsAndLoginWorksAgainOnTheSameDevice()
    {
        var home = Path.Combine(server.Root, "p3");
        await AdminServer.Ok(home, "invite", "accept", "--server", server.Url, "--code", await server.InvitationAsync("guardian"),
            "--username", "p3.moeder", "--device", "keukentafel");
        await AdminServer.Ok(home, "login");
        var who = (await AdminServer.Ok(home, "whoami")).Out;
        Assert.Matches(@"Role:\s+guardian", who);
        Assert.Matches(@"Device:\s+[0-9a-f-]{36} \(keukentafel\)", who);
        Assert.Matches(@"Signed in:\s+yes", who);
        Assert.Matches(@"Fingerprint:\s+[0-9]{5}( [0-9]{5}){5}", who);
        var json = JsonDocument.Parse((await AdminServer.Ok(home, "whoami", "--json")).Out).RootElement;
        var deviceId = json.GetProperty("deviceId").GetGuid();
        Assert.Equal("p3.moeder", json.GetProperty("username").GetString());
        Assert.True(json.GetProperty("signedIn").GetBoolean());
        Assert.Equal(server.Url, json.GetProperty("server").GetString());

        var copy = Path.Combine(server.Root, "p3-copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(home, "profile.json"), Path.Combine(copy, "profile.json")); // a stolen copy of the tokens
        var loggedOut = await AdminServer.Ok(home, "logout");
        Assert.Contains("revoked this device's tokens", loggedOut.Out, StringComparison.Ordinal);
        var stolen = JsonDocument.Parse((await AdminServer.Ok(copy, "whoami", "--json")).Out).RootElement;
        Assert.False(stolen.GetProperty("signedIn").GetBoolean()); // the server refuses the copied refresh token
        Assert.Contains("Next: `vault login`", loggedOut.Out, StringComparison.Ordinal);
        var profile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, "profile.json"))).RootElement;
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("accessToken").ValueKind);
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("refreshToken").ValueKind);

        var noServer = new NoServer();
        var after = await Cli.RunAsync(home, ["whoami", "--json"], handler: noServer);
        Assert.False(JsonDocument.Parse(after.Out).RootElement.GetProperty("signedIn").GetBoolean());
        Assert.Equal(0, noServer.Requests);
        var refused = await Cli.RunAsync(home, ["devices", "list"], Cli.WithPassphrase(), handler: noServer);
        Assert.Equal(ExitCodes.Failed, refused.Code);
        Assert.Contains("is not signed in", refused.Err, StringComparison.Ordinal);
        Assert.Contains("nothing to forget", (await AdminServer.Ok(home, "logout")).Out, StringComparison.Ordinal);

        await AdminServer.Ok(home, "login");
        var again = JsonDocument.Parse((await AdminServer.Ok(home, "whoami", "--json")).Out).RootElement;
        Assert.True(again.GetProperty("signedIn").GetBoolean());
        Assert.Equal(deviceId, again.GetProperty("deviceId").GetGuid()); // the same device: its keys stayed
        Assert.Matches(@"\(this device\)", (await AdminServer.Ok(home, "devices", "list")).Out);
    }

    /// <summary>A passphrase change on another device ends this one's session: whoami reports it, exit 0 (it is a status).</summary>
    [Fact]
    public async Task Whoami_SessionEndedElsewhere_SaysSignedOutAndExits0()
    {
        var laptop = await server.GuardianAsync("p4.vader");
        await AdminServer.Ok(laptop, "--profile", "telefoon", "login", "--server", server.Url, "--username", "p4.vader", "--device-name", "telefoon");
        var changed = await Cli.RunAsync(laptop, ["--profile", "telefoon", "passphrase", "change"],
            new Dictionary<string, string> { ["VAULT_PASSPHRASE"] = Cli.Passphrase, ["VAULT_NEW_PASSPHRASE"] = "fiets lamp oranje wolk" });
        Assert.True(changed.Code == 0, changed.Err);

        var who = await Cli.RunAsync(laptop, ["whoami"]);
        Assert.True(who.Code == 0, who.Err);
        Assert.Matches(@"Signed in:\s+no: the session has ended, run `vault login`", who.Out);
        Assert.Matches(@"Signed in:\s+yes", (await AdminServer.Ok(laptop, "--profile", "telefoon", "whoami")).Out);
        var ended = await Cli.RunAsync(laptop, ["devices", "list"]);
        Assert.Equal(ExitCodes.Failed, ended.Code);
        Assert.Contains("hint: This device's session has ended (e.g. the passphrase was changed on another device): run `vault login`.",
            ended.Err, StringComparison.Ordinal);
    }
}
