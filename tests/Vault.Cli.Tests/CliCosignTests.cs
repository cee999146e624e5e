using System.Text.Json;

namespace Vault.Cli.Tests;

/// <summary>`vault cosign` through the real server binary: a child of 13 co-signs the grants of a channel about them, and only they can.</summary>
public sealed class CliCosignTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task Cosign_ChildAwaited_GrantActive_OthersAndRepeatsRefused()
    {
        var (guardian, familyId, _, _) = await Lifecycle.FamilyWithChannelAsync(server, "cs");
        var born = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-13).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var code = (await AdminServer.Ok(guardian, "family", "invite", "--family", familyId, "--role", "child", "--born", born)).Out.Trim();
        var child = Path.Combine(server.Root, "cs-child");
        await Lifecycle.AccountAsync(server.Url, child, code, "cs.kind");
        // A channel about the child: its members' grants await the child's signature (12 to 15).
        await AdminServer.Ok(guardian, "channel", "create", "--family", familyId, "--name", "over kind", "--purpose", "begeleiding",
            "--members", "cs.coordinator", "--about", "cs.kind");
        using var grants = JsonDocument.Parse((await AdminServer.Ok(child, "grants", "--family", familyId, "--json")).Out);
        var pending = grants.RootElement.EnumerateArray().Single(g => g.GetProperty("status").GetString() == "pending");
        var grantId = pending.GetProperty("id").GetString()!;

        var notAwaited = await Cli.RunAsync(Path.Combine(server.Root, "cs-coordinator"), ["cosign", "--family", familyId, "--grant", grantId],
            Cli.WithPassphrase());
        Assert.Equal(1, notAwaited.Code);
        Assert.Contains("does not await your signature", notAwaited.Err, StringComparison.Ordinal);

        using var signed = JsonDocument.Parse((await AdminServer.Ok(child, "cosign", "--family", familyId, "--grant", grantId, "--json")).Out);
        Assert.Equal("active", signed.RootElement.GetProperty("status").GetString());

        var again = await Cli.RunAsync(child, ["cosign", "--family", familyId, "--grant", grantId], Cli.WithPassphrase());
        Assert.Equal(1, again.Code);
        Assert.Contains("is active, not awaiting a signature", again.Err, StringComparison.Ordinal);
    }
}
