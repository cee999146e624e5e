using System.Net;
using Vault.Client;
using Vault.Contracts;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>Bad input from a signed-in account (new device, new passphrase) changes nothing; optional TOTP sticks.</summary>
public sealed class AccountBadInputTests : IDisposable
{
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public AccountBadInputTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Theory]
    [InlineData("signingKey", ProblemTypes.MalformedKey)]
    [InlineData("boxKey", ProblemTypes.MalformedKey)]
    [InlineData("boxKeySignature", ProblemTypes.InvalidSignature)]
    [InlineData("identitySignature", ProblemTypes.InvalidSignature)]
    public async Task AddDevice_MalformedKeyOrSignature_Returns400AndChangesNothing(string field, string problemType)
    {
        var guardian = await cast.AccountAsync(Roles.Guardian, "moeder.de.wit");
        using var tablet = DeviceKeys.Generate();
        var body = new Dictionary<string, object> { ["device"] = Probe.Device(tablet, guardian.Session!.Identity!, "tablet") };
        Probe.Corrupt(body, "device." + field);
        using var http = server.NewHttp();
        var before = Probe.State(server);

        var response = await Probe.SendAsync(http, HttpMethod.Post, "/account/devices", guardian.Session.AccessToken, body["device"]);

        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, problemType);
        Assert.Equal(before, Probe.State(server));
    }

    [Fact]
    public async Task AddDevice_CertifiedByAnotherIdentity_Returns400AndChangesNothing()
    {
        var guardian = await cast.AccountAsync(Roles.Guardian, "moeder.de.wit");
        using var stranger = IdentityKeys.Generate();
        using var tablet = DeviceKeys.Generate();
        using var http = server.NewHttp();
        var before = Probe.State(server);

        var response = await Probe.SendAsync(http, HttpMethod.Post, "/account/devices", guardian.Session!.AccessToken,
            Probe.Device(tablet, stranger, "tablet"));

        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.InvalidSignature);
        Assert.Equal(before, Probe.State(server));
    }

    [Theory]
    [InlineData("newKeyBundle", ProblemTypes.MalformedKey)]
    [InlineData("newKdfSalt", ProblemTypes.MalformedKey)]
    [InlineData("newAuthKey", ProblemTypes.MalformedKey)]
    [InlineData("reusedSalt", ProblemTypes.Validation)]
    [InlineData("weakCost", ProblemTypes.Validation)]
    public async Task ChangePassphrase_MalformedNewPassphrase_Returns400AndChangesNothing(string flaw, string problemType)
    {
        var guardian = await cast.AccountAsync(Roles.Guardian, "vader.de.wit");
        var current = await guardian.PreLoginAsync("vader.de.wit");
        using var currentKeys = PassphraseKeys.Derive(Cast.Passphrase, current);
        var next = current with { Salt = flaw == "reusedSalt" ? current.Salt : Sodium.SodiumCore.GetRandomBytes(16) };
        using var nextKeys = PassphraseKeys.Derive("iets heel anders", next);
        var body = new Dictionary<string, object>
        {
            ["currentAuthKey"] = currentKeys.AuthKey, ["newKdfSalt"] = next.Salt, ["newAuthKey"] = nextKeys.AuthKey,
            ["newKeyBundle"] = KeyBundle.Seal(guardian.Session!.Identity!, nextKeys.KeyEncryptionKey, next.Salt),
            ["newOpsLimit"] = flaw == "weakCost" ? 2 : next.OpsLimit, ["newMemLimitBytes"] = next.MemLimitBytes,
        };
        if (flaw.StartsWith("new", StringComparison.Ordinal))
        {
            Probe.Corrupt(body, flaw); // one byte short
        }
        using var http = server.NewHttp();
        var before = Probe.State(server);

        var response = await Probe.SendAsync(http, HttpMethod.Post, "/account/passphrase", guardian.Session.AccessToken, body);

        await Probe.AssertProblemAsync(response, HttpStatusCode.BadRequest, problemType);
        Assert.Equal(before, Probe.State(server));
        await server.NewClient().LoginAsync("vader.de.wit", Cast.Passphrase, guardian.Session.DeviceId, guardian.Session.Device);
    }

    [Fact]
    public async Task Totp_GuardianEnrolsOptionalSecondFactor_LoginThenNeedsIt()
    {
        var guardian = await cast.AccountAsync(Roles.Guardian, "moeder.kok");
        var session = guardian.Session!;
        var enrollment = await guardian.EnrollTotpAsync();
        Assert.False(enrollment.Required);
        Assert.False((await guardian.GetAccountAsync()).TotpEnabled); // not until a code proves the app has it
        await guardian.LoginAsync("moeder.kok", Cast.Passphrase, session.DeviceId, session.Device); // still optional

        await guardian.ConfirmTotpAsync(VaultServer.TotpCode(enrollment.Secret));
        Assert.True((await guardian.GetAccountAsync()).TotpEnabled);

        var without = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("moeder.kok", Cast.Passphrase, session.DeviceId, session.Device));
        Assert.Equal(ProblemTypes.SecondFactorRequired, without.ProblemType);
        var wrong = await Assert.ThrowsAsync<VaultApiException>(() =>
            server.NewClient().LoginAsync("moeder.kok", Cast.Passphrase, session.DeviceId, session.Device, "000000"));
        Assert.Equal(ProblemTypes.InvalidSecondFactor, wrong.ProblemType);
        await server.NewClient().LoginAsync("moeder.kok", Cast.Passphrase, session.DeviceId, session.Device,
            VaultServer.TotpCode(enrollment.Secret, stepsAhead: 1));
    }
}
