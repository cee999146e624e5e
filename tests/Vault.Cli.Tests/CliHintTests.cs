using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// The "Next:" line after each step of the family lifecycle, and the hints for the two refusals a newcomer meets
/// first: an administrator opening a family, a coordinator opening a channel. Through the real server binary.
/// </summary>
public sealed class CliHintTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task FamilyCreate_ByTheAdministrator_HintsToInviteACoordinatorFirst()
    {
        var refused = await Cli.RunAsync(server.AdminHome, ["family", "create", "--reference", "KG-H1", "--gemeente", "GM0363",
            "--start", "2026-11-01"], Cli.WithPassphrase());
        Assert.Equal(ExitCodes.Failed, refused.Code);
        Assert.Contains("urn:vault:problem:forbidden", refused.Err, StringComparison.Ordinal);
        Assert.Contains("hint: Only coordinators and wijkcoaches open families, not an administrator: invite a coordinator first " +
            "(`vault invite create --role coordinator`)", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelCreate_ByTheCoordinator_HintsThatGuardiansOpenChannels()
    {
        var (guardian, familyId, coordinatorId, _) = await Lifecycle.FamilyWithChannelAsync(server, "h2");
        var coordinator = Path.Combine(server.Root, "h2-coordinator");
        var guardianId = Lifecycle.Match(await AdminServer.Ok(guardian, "whoami"), @"User id:\s+([0-9a-f-]{36})");
        // The refusals a coordinator meets trying: with a guardian as member, with themself, with nobody. One hint for all.
        foreach (var members in new[] { guardianId, coordinatorId, null })
        {
            string[] create = ["channel", "create", "--family", familyId, "--name", "school", "--purpose", "school"];
            var refused = await Cli.RunAsync(coordinator, members is null ? create : [.. create, "--members", members], Cli.WithPassphrase());
            Assert.Equal(ExitCodes.Failed, refused.Code);
            Assert.Contains("hint: Only a guardian of the family opens channels", refused.Err, StringComparison.Ordinal);
            Assert.Contains("Ask one to run `vault channel create --family ID --name NAME --purpose TEXT --members YOUR_ID`", refused.Err,
                StringComparison.Ordinal);
        }
        Assert.Equal("", (await AdminServer.Ok(guardian, "channel", "list", "--family", familyId)).Out.Split('\n')
            .FirstOrDefault(line => line.Contains("school", StringComparison.Ordinal)) ?? "");
    }

    [Fact]
    public async Task Lifecycle_EachStep_PrintsTheNextOne()
    {
        var invite = await AdminServer.Ok(server.AdminHome, "invite", "create", "--role", "coordinator");
        Assert.Contains("Next: hand the code to the coordinator", invite.Err, StringComparison.Ordinal);
        Assert.Contains("`vault invite accept --server URL --code CODE --username NAME`", invite.Err, StringComparison.Ordinal);
        var code = invite.Out.Trim().Split('\n')[^1].Trim(); // the code stays the last line of standard output

        var coordinator = Path.Combine(server.Root, "h3-coordinator");
        var accepted = await AdminServer.Ok(coordinator, "invite", "accept", "--server", server.Url, "--code", code, "--username", "h3.coordinator");
        Assert.Contains("Next: `vault login`", accepted.Out, StringComparison.Ordinal);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        await AdminServer.Ok(coordinator, "login", "--totp", new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp());

        var created = await AdminServer.Ok(coordinator, "family", "create", "--reference", "KG-H3", "--gemeente", "GM0363", "--start", "2026-11-01");
        var familyId = Lifecycle.Match(created, "Family ([0-9a-f-]{36}) opened");
        Assert.Contains($"Next: invite the guardians with `vault family invite --family {familyId} --role guardian`", created.Out,
            StringComparison.Ordinal);

        // An existing account joins: a guardian of another family.
        var (guardian, _, _, _) = await Lifecycle.FamilyWithChannelAsync(server, "h3b");
        var joinCode = (await AdminServer.Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out.Trim().Split('\n')[^1].Trim();
        var joined = await AdminServer.Ok(guardian, "family", "join", "--code", joinCode);
        Assert.Contains($"Next: `vault family members --family {familyId}`", joined.Out, StringComparison.Ordinal);

        var coordinatorId = Regex.Match((await AdminServer.Ok(guardian, "family", "members", "--family", familyId)).Out,
            @"([0-9a-f-]{36})\s+h3\.coordinator").Groups[1].Value;
        var channel = await AdminServer.Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking", "--purpose", "kennismaking",
            "--members", coordinatorId);
        var channelId = Lifecycle.Match(channel, "Channel ([0-9a-f-]{36}) opened");
        Assert.Contains($"Next: write in it with `vault send --family {familyId} --channel {channelId} --text TEXT`", channel.Out,
            StringComparison.Ordinal);

        var granted = await AdminServer.Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope", "documents:verslag",
            "--purpose", "verslagen", "--permission", "write");
        Assert.Contains($"Next: the grantee can now read and upload verslag documents: `vault doc list --family {familyId} --category verslag`",
            granted.Out, StringComparison.Ordinal);
        var grantId = Lifecycle.Match(granted, "Grant ([0-9a-f-]{36})");
        var withdrawn = await AdminServer.Ok(guardian, "withdraw", "--family", familyId, "--grant", grantId);
        Assert.Matches(@"Next: `vault receipt verify \S+withdrawal-[0-9a-f-]{36}\.json` checks the receipt at any time, without the server",
            withdrawn.Out);
    }
}
