using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Vault.Client;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>
/// The family's own access view (NEN 7513): a guardian sees who accessed what, when and why, in plain words, newest
/// first, verified against the signed log; a child sees its own part; a server that leaves an entry out or shows a bad
/// proof is caught.
/// </summary>
public sealed class AccessViewTests : IAsyncLifetime
{
    private readonly VaultServer server = new();
    private readonly Cast cast;
    private Guid familyId, childChannelId, introChannelId;
    private VaultClient guardian = null!, coordinator = null!, jan = null!, child = null!;

    public AccessViewTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        jan = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Wijkcoach, "jan");
        child = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Child, "kind",
            DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-14));
        introChannelId = (await guardian.CreateChannelAsync(familyId, "kennismaking",
            [new ChannelMember(jan.Session!.UserId, Permissions.Write, "begeleiding"),
             new ChannelMember(coordinator.Session!.UserId, Permissions.Write, "begeleiding")])).Id;
        for (var i = 0; i < 3; i++)
        {
            await coordinator.SendAsync(familyId, introChannelId, $"bericht {i}");
        }
        await jan.HistoryAsync(familyId, introChannelId);
        childChannelId = (await guardian.CreateChannelAsync(familyId, "over school", [], subjectUserId: child.Session!.UserId)).Id;
        await child.HistoryAsync(familyId, childChannelId);
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ReadAccessView_Guardian_SeesWhoReadWhatInPlainWordsNewestFirst()
    {
        var view = await guardian.ReadAccessViewAsync(familyId);

        Assert.True(view.Ok, view.Proven);
        Assert.False(view.Partial);
        Assert.Contains("without gaps", view.Proven, StringComparison.Ordinal);
        Assert.Contains(view.Entries, e => e.Dutch == "jan (wijkcoach) las 3 berichten in kanaal kennismaking — doel: begeleiding"
            && e.English == "jan (neighbourhood coach) read 3 messages in channel kennismaking — purpose: begeleiding" && e.Allowed);
        Assert.Contains(view.Entries, e => e.Dutch == "kind (kind) las geen nieuwe berichten in kanaal over school");
        Assert.Equal(view.Entries.OrderByDescending(e => e.Time).ThenByDescending(e => e.Index).Select(e => e.Index),
            view.Entries.Select(e => e.Index));
        Assert.Equal(view.Verification.EntriesChecked, view.Entries.Count);
    }

    [Fact]
    public async Task ReadAccessView_FilteredByActorAndPeriod_ShowsOnlyThose()
    {
        var all = (await guardian.ReadAccessViewAsync(familyId)).Entries;
        var byJan = await guardian.ReadAccessViewAsync(familyId, new AccessViewFilter(Actor: jan.Session!.UserId));
        Assert.True(byJan.Ok);
        Assert.NotEmpty(byJan.Entries);
        Assert.All(byJan.Entries, e => Assert.Equal(jan.Session.UserId, e.ActorUserId));
        Assert.True(byJan.Entries.Count < all.Count);

        var read = all.Single(e => e.Action == "message.history.read" && e.ActorUserId == jan.Session.UserId);
        var since = await guardian.ReadAccessViewAsync(familyId, new AccessViewFilter(Since: read.Time));
        Assert.All(since.Entries, e => Assert.True(e.Time >= read.Time));
        Assert.Contains(since.Entries, e => e.Index == read.Index);
        var until = await guardian.ReadAccessViewAsync(familyId, new AccessViewFilter(Until: read.Time));
        Assert.All(until.Entries, e => Assert.True(e.Time < read.Time));
        Assert.NotEmpty(until.Entries);
        Assert.DoesNotContain(until.Entries, e => e.Index == read.Index);
    }

    [Fact]
    public async Task ReadAccessView_ServerLeavesAnEntryOut_FailsNamingTheGapAndShowsNothing()
    {
        var lying = Through(page => ((JsonArray)page["entries"]!).RemoveAt(4));

        var view = await lying.ReadAccessViewAsync(familyId);

        Assert.False(view.Ok);
        Assert.Contains("family seq 5 is missing", view.Verification.Failure!.ToString(), StringComparison.Ordinal);
        Assert.Empty(view.Entries);
        Assert.Contains("NOT verified", view.Proven, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAccessView_BadInclusionProof_Fails()
    {
        var lying = Through(page =>
        {
            var proof = (JsonArray)page["entries"]![2]!["inclusionProof"]!;
            var bytes = Convert.FromBase64String(proof[0]!.GetValue<string>());
            bytes[0] ^= 1;
            proof[0] = Convert.ToBase64String(bytes);
        });

        var view = await lying.ReadAccessViewAsync(familyId);

        Assert.False(view.Ok);
        Assert.Contains("not in the signed log", view.Verification.Failure!.ToString(), StringComparison.Ordinal);
        Assert.Empty(view.Entries);
    }

    [Fact]
    public async Task ReadAccessView_ServerCallsAGuardiansViewPartial_Fails()
    {
        var lying = Through(page =>
        {
            ((JsonArray)page["entries"]!).RemoveAt(4);
            page["partial"] = true;
        });

        var view = await lying.ReadAccessViewAsync(familyId);

        Assert.False(view.Ok);
        Assert.Contains("only part", view.Verification.Failure!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAccessView_Child_SeesOnlyWhatConcernsIt()
    {
        var childId = child.Session!.UserId;
        var scope = ConsentScopes.Channel(childChannelId);

        var view = await child.ReadAccessViewAsync(familyId);

        Assert.True(view.Ok, view.Proven);
        Assert.True(view.Partial);
        Assert.Contains("cannot be checked", view.Proven, StringComparison.Ordinal);
        Assert.All(view.Entries, e => Assert.True(e.ActorUserId == childId || e.Resource!.Contains(scope, StringComparison.Ordinal)
            || e.Resource.Contains(childId.ToString(), StringComparison.Ordinal), $"{e.Action} {e.Resource}"));
        Assert.Contains(view.Entries, e => e.Action == "channel.created" && e.ActorUserId == guardian.Session!.UserId);
        Assert.Contains(view.Entries, e => e.Action == "member.joined" && e.ActorUserId == childId);
        Assert.DoesNotContain(view.Entries, e => e.ActorUserId == jan.Session!.UserId);
        Assert.DoesNotContain(view.Entries, e => e.Resource?.Contains(introChannelId.ToString(), StringComparison.Ordinal) == true);
        Assert.True(view.Entries.Count < (await guardian.ReadAccessViewAsync(familyId)).Entries.Count);
    }

    [Fact]
    public async Task FamilyAudit_NonMemberOrNonGuardianMember_Refused()
    {
        var outsider = await cast.AccountAsync(Roles.Coordinator, "buiten");
        using var http = server.NewHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await outsider.AccessTokenAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/families/{familyId}/audit")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await jan.AccessTokenAsync());
        var refused = await http.GetAsync($"/families/{familyId}/audit");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(ProblemTypes.Forbidden, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<VaultApiException>(() => jan.ReadAccessViewAsync(familyId));
        Assert.Equal(ProblemTypes.Forbidden, error.ProblemType);
        await Assert.ThrowsAsync<VaultApiException>(() => outsider.ReadAccessViewAsync(familyId));
    }

    [Fact]
    public void AccessWording_EveryAuditActionTheServerWrites_HasDutchAndEnglish()
    {
        var actions = typeof(Vault.Server.Audit.AuditActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.True(actions.Count > 40);
        Assert.All(actions, a => Assert.True(AccessWording.Actions.ContainsKey(a), $"no wording for {a}"));
    }

    /// <summary>The guardian's session through a handler that rewrites each page of the family's trail (a lying server).</summary>
    private VaultClient Through(Action<JsonObject> rewrite)
    {
        var client = new VaultClient(new HttpClient(new RewritePages(rewrite) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = server.ClientOptions.BaseAddress,
        });
        client.Resume(guardian.Session!);
        return client;
    }

    private sealed class RewritePages(Action<JsonObject> rewrite) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (!request.RequestUri!.AbsolutePath.EndsWith("/audit", StringComparison.Ordinal) || !response.IsSuccessStatusCode)
            {
                return response;
            }
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
            rewrite(page);
            response.Content = new StringContent(page.ToJsonString(), Encoding.UTF8, "application/json");
            return response;
        }
    }
}
