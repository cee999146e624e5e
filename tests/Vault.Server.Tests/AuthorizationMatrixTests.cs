using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Every family endpoint × every family role × (own family with a grant, another family, no grant, an expired grant,
/// a withdrawn grant). Allowed answers anything but 401/403/404; denied answers exactly 403 (own family) or 404
/// (another family) as a problem document that says nothing about the family. A test also fails when an endpoint
/// is added under /families without joining this table.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private enum State { Granted, OtherFamily, NoGrant, Expired, Withdrawn }

    private enum Rule { Member, Guardian, CaseWorker, GuardianOrCaseWorker, ScopeRead, ScopeWrite, ChannelRead, ChannelWrite }

    /// <summary><c>AllowedStatus</c>: where an allowed caller still gets a refusal for the target (a member who is not there).</summary>
    private sealed record Endpoint(string Method, string Template, Rule Rule, string Scope = "", Func<World, object?>? Body = null,
        int AllowedStatus = 0);

    private sealed record World(Guid FamilyId, Guid ChannelId, Guid GrantId);

    private static readonly string[] NonGuardianRoles =
        [Roles.Child, Roles.Krachtgezin, Roles.Wijkcoach, Roles.Gemeente, Roles.Coordinator, Roles.Network];

    private static readonly Endpoint[] Endpoints =
    [
        new("GET", "/families/{familyId:guid}", Rule.Member),
        new("PUT", "/families/{familyId:guid}/traject", Rule.CaseWorker, Body: _ => new { status = "active", plannedEnd = "2027-06-01" }),
        new("GET", "/families/{familyId:guid}/progress", Rule.ScopeRead, ConsentScopes.Progress),
        new("POST", "/families/{familyId:guid}/invitations", Rule.GuardianOrCaseWorker, Body: _ => new { role = Roles.Network }),
        new("GET", "/families/{familyId:guid}/members", Rule.ScopeRead, ConsentScopes.Members),
        new("DELETE", "/families/{familyId:guid}/members/{userId:guid}", Rule.GuardianOrCaseWorker, AllowedStatus: 404),
        new("GET", "/families/{familyId:guid}/guardians", Rule.Member),
        new("GET", "/families/{familyId:guid}/access", Rule.Guardian),
        new("GET", "/families/{familyId:guid}/grants", Rule.Member),
        new("POST", "/families/{familyId:guid}/grants", Rule.Member, Body: w => new SubmitGrantRequest(
            VaultClient.NewGrant(w.FamilyId, Guid.NewGuid(), ConsentScopes.Progress, Permissions.Read, "x"), [new GrantSignature(Guid.NewGuid(), Guid.NewGuid(), new byte[64])])),
        new("POST", "/families/{familyId:guid}/grants/{grantId:guid}/signatures", Rule.Member,
            Body: _ => new GrantSignature(Guid.NewGuid(), Guid.NewGuid(), new byte[64])),
        new("POST", "/families/{familyId:guid}/grants/{grantId:guid}/withdraw", Rule.Guardian, Body: _ => new { }),
        new("GET", "/families/{familyId:guid}/keyrings/{scope}", Rule.ChannelRead),
        new("GET", "/families/{familyId:guid}/keyrings/{scope}/recipients", Rule.ChannelRead),
        new("POST", "/families/{familyId:guid}/keyrings/{scope}/epochs", Rule.ChannelRead, Body: _ => new { epoch = 99, wraps = Array.Empty<object>() }),
        new("POST", "/families/{familyId:guid}/keyrings/{scope}/epochs/{epoch:int}/wraps", Rule.ChannelRead, Body: _ => new { wraps = Array.Empty<object>() }),
        new("GET", "/families/{familyId:guid}/channels", Rule.Member),
        new("POST", "/families/{familyId:guid}/channels", Rule.Guardian, Body: _ => new { channelId = Guid.NewGuid(), grants = Array.Empty<object>(), wraps = Array.Empty<object>() }),
        new("GET", "/families/{familyId:guid}/channels/{channelId:guid}", Rule.ChannelRead),
        new("PATCH", "/families/{familyId:guid}/channels/{channelId:guid}", Rule.ChannelWrite, Body: _ => new { retentionDays = (int?)null }),
        new("POST", "/families/{familyId:guid}/channels/{channelId:guid}/messages", Rule.ChannelWrite,
            Body: _ => new SendMessageRequest(Guid.NewGuid(), 1, MessageKinds.Message, null, [1, 2, 3])),
        new("GET", "/families/{familyId:guid}/channels/{channelId:guid}/messages", Rule.ChannelRead),
        new("POST", "/families/{familyId:guid}/channels/{channelId:guid}/receipts", Rule.ChannelRead, Body: _ => new { upToSeq = 1 }),
        new("GET", "/families/{familyId:guid}/channels/{channelId:guid}/receipts", Rule.ChannelRead),
        new("GET", "/families/{familyId:guid}/audit", Rule.Guardian),
        new("POST", "/families/{familyId:guid}/channels/{channelId:guid}/archive", Rule.ChannelWrite), // last: it changes the channel
    ];

    private readonly VaultServer server = new();
    private readonly Cast cast;
    private readonly List<(string Role, State State, VaultClient Client)> people = [];
    private World own = null!, other = null!;
    private VaultClient ownGuardian = null!;

    public AuthorizationMatrixTests() => cast = new Cast(server);

    public async Task InitializeAsync()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync("a");
        var (otherId, otherCoordinator, otherGuardian) = await cast.FamilyAsync("b");
        ownGuardian = guardian;
        var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        var otherChannel = await Cast.IntroChannelAsync(otherGuardian, otherId, otherCoordinator);
        await guardian.SendAsync(familyId, channel.Id, "eerste bericht");
        await otherGuardian.SendAsync(otherId, otherChannel.Id, "ander gezin");
        // A grant nobody in the matrix depends on, for the withdraw and co-sign endpoints to act on.
        var spare = await guardian.GrantAsync(VaultClient.NewGrant(familyId, coordinator.Session!.UserId, ConsentScopes.Documents("overig"),
            Permissions.Read, "reserve"));
        own = new World(familyId, channel.Id, spare.Grant.GrantId);
        other = new World(otherId, otherChannel.Id, (await otherGuardian.ListGrantsAsync(otherId)).First().Grant.GrantId);
        people.Add((Roles.Guardian, State.Granted, guardian));
        people.Add((Roles.Guardian, State.OtherFamily, guardian));

        var born = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-14);
        foreach (var role in NonGuardianRoles)
        {
            foreach (var state in new[] { State.Granted, State.NoGrant, State.Expired, State.Withdrawn })
            {
                var name = $"{role}.{state}".ToLowerInvariant();
                VaultClient member;
                if (role is Roles.Child or Roles.Network)
                {
                    member = await cast.FamilyMemberAsync(guardian, familyId, role, name, role == Roles.Child ? born : null);
                }
                else
                {
                    member = await cast.AccountAsync(role, name);
                    await Cast.JoinAsync(coordinator, member, familyId, role);
                }
                await GiveAsync(member, role, state);
                people.Add((role, state, member));
                if (state == State.Granted)
                {
                    people.Add((role, State.OtherFamily, member));
                }
            }
        }
    }

    public Task DisposeAsync()
    {
        server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EveryFamilyEndpoint_EveryRoleAndState_AllowedOrDeniedWithoutLeak()
    {
        var failures = new List<string>();
        using var http = server.NewHttp();
        foreach (var endpoint in Endpoints)
        {
            foreach (var (role, state, client) in people)
            {
                var world = state == State.OtherFamily ? other : own;
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), Path(endpoint.Template, world, client));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await client.AccessTokenAsync());
                if (endpoint.Body?.Invoke(world) is { } body)
                {
                    request.Content = JsonContent.Create(body, body.GetType());
                }
                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                var expected = Expect(endpoint, role, state);
                var ok = expected switch
                {
                    0 when endpoint.AllowedStatus != 0 => status == endpoint.AllowedStatus,
                    0 => status is not (401 or 403 or 404) && status < 500,
                    _ => status == expected && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                         && !text.Contains(world.ChannelId.ToString(), StringComparison.OrdinalIgnoreCase)
                         && !text.Contains("KG-2026", StringComparison.Ordinal),
                };
                if (!ok)
                {
                    failures.Add($"{endpoint.Method} {endpoint.Template} as {role}/{state}: got {status}, expected {(expected == 0 ? "allowed" : expected)}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task ListChannels_WithoutGrant_HidesTheChannel()
    {
        foreach (var (_, _, client) in people.Where(p => p.State is State.NoGrant or State.Expired or State.Withdrawn))
        {
            Assert.DoesNotContain(await client.ListChannelsAsync(own.FamilyId), c => c.Channel.Id == own.ChannelId);
        }
        Assert.Contains(await ownGuardian.ListChannelsAsync(own.FamilyId), c => c.Channel.Id == own.ChannelId);
    }

    [Fact]
    public void Matrix_CoversEveryFamilyEndpoint()
    {
        server.NewHttp().Dispose(); // starts the server
        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/families/{familyId", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet();
        var covered = Endpoints.Select(e => $"{e.Method} {e.Template}").ToHashSet();
        Assert.Empty(mapped.Except(covered));
    }

    private async Task GiveAsync(VaultClient member, string role, State state)
    {
        if (state == State.NoGrant)
        {
            return;
        }
        var scopes = role == Roles.Gemeente
            ? new[] { ConsentScopes.Progress }
            : [ConsentScopes.Progress, ConsentScopes.Members, ConsentScopes.Channel(own.ChannelId)];
        foreach (var scope in scopes)
        {
            var grant = await ownGuardian.GrantAsync(VaultClient.NewGrant(own.FamilyId, member.Session!.UserId, scope, Permissions.Write,
                "matrix", validUntil: DateTimeOffset.UtcNow.AddDays(30)));
            if (state == State.Expired)
            {
                ConsentTests.ExpireGrant(server, grant.Grant.GrantId);
            }
            else if (state == State.Withdrawn)
            {
                await ownGuardian.WithdrawGrantAsync(own.FamilyId, grant.Grant.GrantId);
            }
        }
    }

    /// <summary>0: allowed; otherwise the exact refusal status.</summary>
    private static int Expect(Endpoint endpoint, string role, State state)
    {
        if (state == State.OtherFamily)
        {
            return 404;
        }
        var guardian = role == Roles.Guardian;
        var caseWorker = Roles.IsCaseWorker(role);
        var scope = endpoint.Rule is Rule.ChannelRead or Rule.ChannelWrite ? ConsentScopes.Channel(Guid.Empty) : endpoint.Scope;
        var holdsGrant = state == State.Granted && (role != Roles.Gemeente || scope == ConsentScopes.Progress);
        var allowed = endpoint.Rule switch
        {
            Rule.Member => true,
            Rule.Guardian => guardian,
            Rule.CaseWorker => caseWorker,
            Rule.GuardianOrCaseWorker => guardian || caseWorker,
            _ => guardian || holdsGrant,
        };
        return allowed ? 0 : 403;
    }

    private static string Path(string template, World world, VaultClient client) => template
        .Replace("{familyId:guid}", world.FamilyId.ToString(), StringComparison.Ordinal)
        .Replace("{channelId:guid}", world.ChannelId.ToString(), StringComparison.Ordinal)
        .Replace("{grantId:guid}", world.GrantId.ToString(), StringComparison.Ordinal)
        .Replace("{userId:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{scope}", Uri.EscapeDataString(ConsentScopes.Channel(world.ChannelId)), StringComparison.Ordinal)
        .Replace("{epoch:int}", "1", StringComparison.Ordinal);
}
