using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>Steps of the family lifecycle through the CLI, for tests that start from a family with a channel.</summary>
internal static class Lifecycle
{
    /// <summary>Accepts <paramref name="code"/> in <paramref name="home"/> and logs in (with a TOTP code when the role needs one).</summary>
    public static async Task<CliResult> AccountAsync(string server, string home, string code, string username, params string[] extra)
    {
        var accepted = await AdminServer.Ok(home, ["invite", "accept", "--server", server, "--code", code, "--username", username, .. extra]);
        var secret = Regex.Match(accepted.Out, "secret=([A-Z2-7]+)").Groups[1].Value;
        return await AdminServer.Ok(home, secret.Length > 0
            ? ["login", "--totp", new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(), .. extra]
            : ["login", .. extra]);
    }

    public static string Match(CliResult result, string pattern) =>
        Regex.Match(result.Out, pattern) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(result.Out + result.Err);

    /// <summary>A coordinator's family with a guardian, and the guardian's channel with the coordinator in it.</summary>
    public static async Task<(string Guardian, string FamilyId, string CoordinatorId, string ChannelId)> FamilyWithChannelAsync(
        AdminServer server, string tag)
    {
        var coordinator = Path.Combine(server.Root, tag + "-coordinator");
        await AccountAsync(server.Url, coordinator, await server.InvitationAsync("coordinator"), tag + ".coordinator");
        var familyId = Match(await AdminServer.Ok(coordinator, "family", "create", "--reference", "KG-" + tag, "--gemeente", "GM0363",
            "--start", "2026-11-01"), "Family ([0-9a-f-]{36}) opened");
        var code = (await AdminServer.Ok(coordinator, "family", "invite", "--family", familyId, "--role", "guardian")).Out.Trim().Split('\n')[^1].Trim();
        var guardian = Path.Combine(server.Root, tag + "-guardian");
        await AccountAsync(server.Url, guardian, code, tag + ".guardian");
        var members = (await AdminServer.Ok(guardian, "family", "members", "--family", familyId)).Out;
        var coordinatorId = Regex.Match(members, $@"([0-9a-f-]{{36}})\s+{Regex.Escape(tag)}\.coordinator").Groups[1].Value;
        var channelId = Match(await AdminServer.Ok(guardian, "channel", "create", "--family", familyId, "--name", "kennismaking",
            "--purpose", "kennismaking", "--members", coordinatorId), "Channel ([0-9a-f-]{36}) opened");
        return (guardian, familyId, coordinatorId, channelId);
    }
}
