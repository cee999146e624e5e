using System.Net.Http.Headers;
using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Malformed requests to the family, consent, key-ring and messaging endpoints: each gets a 4xx ProblemDetails with a
/// stable type, changes nothing, and the server keeps serving.
/// </summary>
public sealed class FamilyBadInputTests : IAsyncLifetime
{
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private Guid familyId;
    private VaultClient guardian = null!, coordinator = null!;
    private ChannelResponse intro = null!;
    private HttpClient http = null!;

    public FamilyBadInputTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await guardian.AccessTokenAsync());
    }

    public Task DisposeAsync()
    {
        http.Dispose();
        server.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string, string, string> Requests => new()
    {
        // path and body ({F}: family, {C}: channel, {U}: the coordinator's user id), expected problem type
        { "/families/{F}/grants", """{"grant":null,"signatures":[]}""", ProblemTypes.InvalidGrant },
        { "/families/{F}/grants", """{"grant":{"grantId":"00000000-0000-0000-0000-000000000001","familyId":"{F}","granteeUserId":"{U}","scope":"progress","permission":"read","purpose":"x","legalBasis":"consent","validFromUnixMs":1,"validUntilUnixMs":0},"signatures":[null]}""", ProblemTypes.InvalidGrant },
        { "/families/{F}/grants", """{"grant":{"grantId":"00000000-0000-0000-0000-000000000002","familyId":"{F}","granteeUserId":"{U}","scope":"progress","permission":"read","purpose":"x","legalBasis":"consent","validFromUnixMs":1,"validUntilUnixMs":0},"signatures":[{"signerUserId":"{U}","signerDeviceId":"{U}","signature":"AAAA"}]}""", ProblemTypes.MalformedKey },
        { "/families/{F}/channels", """{"channelId":"00000000-0000-0000-0000-00000000000a","grants":[null],"wraps":[]}""", ProblemTypes.Validation },
        { "/families/{F}/channels", """{"channelId":"00000000-0000-0000-0000-00000000000b","grants":[],"wraps":[null]}""", ProblemTypes.Validation },
        { "/families/{F}/channels", """{"channelId":"00000000-0000-0000-0000-00000000000c","grants":null,"wraps":null}""", ProblemTypes.Validation },
        { "/families/{F}/keyrings/channel:{C}/epochs", """{"epoch":2,"wraps":[null]}""", ProblemTypes.Validation },
        { "/families/{F}/keyrings/channel:{C}/epochs", """{"epoch":2,"wraps":null}""", ProblemTypes.Validation },
        { "/families/{F}/keyrings/channel:{C}/epochs/1/wraps", """{"wraps":[null]}""", ProblemTypes.Validation },
        { "/families/{F}/keyrings/channel:{C}/epochs/1/wraps", """{"wraps":[{"recipientUserId":"{U}","wrappedKey":"AAAA","signature":"AAAA"}]}""", ProblemTypes.MalformedKey },
        { "/families/{F}/channels/{C}/messages", """{"clientMessageId":"00000000-0000-0000-0000-000000000003","epoch":1,"kind":"message","envelope":null}""", ProblemTypes.InvalidEnvelope },
        { "/families/{F}/channels/{C}/messages", """{"clientMessageId":"00000000-0000-0000-0000-000000000004","epoch":1,"kind":"message","envelope":"AQID"}""", ProblemTypes.InvalidEnvelope },
        { "/families/{F}/channels/{C}/messages", """{"clientMessageId":"00000000-0000-0000-0000-000000000005","epoch":1,"kind":"shout","envelope":"AQID"}""", ProblemTypes.Validation },
        { "/families/{F}/channels/{C}/messages", """{"clientMessageId":"not a guid"}""", ProblemTypes.MalformedRequest },
        { "/families/{F}/channels/{C}/receipts", """{"upToSeq":99}""", ProblemTypes.Validation },
        { "/families/{F}/invitations", """{"role":"emperor"}""", ProblemTypes.Validation },
        { "/families/{F}/invitations", """{"role":"child"}""", ProblemTypes.Validation },
        { "/families", """{"reference":"","gemeente":"Amsterdam","trajectStart":"2026-11-01"}""", ProblemTypes.Forbidden },
        { "/families/{F}/grants", "{not json", ProblemTypes.MalformedRequest },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Post_Malformed_ProblemDetailsAndNothingChanged(string path, string body, string problemType)
    {
        var before = Counts();
        using var content = new StringContent(Fill(body), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(Fill(path), content);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains($"\"type\":\"{problemType}\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.Equal(before, Counts());
        Assert.Single(await guardian.ListChannelsAsync(familyId), c => c.Channel.Id == intro.Id); // still serving
    }

    private string Fill(string text) => text.Replace("{F}", familyId.ToString(), StringComparison.Ordinal)
        .Replace("{C}", intro.Id.ToString(), StringComparison.Ordinal)
        .Replace("{U}", coordinator.Session!.UserId.ToString(), StringComparison.Ordinal);

    private string Counts()
    {
        return (string)server.Scalar("""
            SELECT (SELECT COUNT(*) FROM Grants) || '/' || (SELECT COUNT(*) FROM Channels) || '/' || (SELECT COUNT(*) FROM Messages)
                || '/' || (SELECT COUNT(*) FROM KeyWraps) || '/' || (SELECT MAX(CurrentEpoch) FROM KeyRings)
                || '/' || (SELECT COUNT(*) FROM Invitations) || '/' || (SELECT COUNT(*) FROM Families)
                || '/' || (SELECT COUNT(*) FROM ReadMarkers)
            """)!;
    }
}
