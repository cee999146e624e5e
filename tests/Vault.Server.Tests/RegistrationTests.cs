using System.Net;
using System.Net.Http.Json;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>Registration reveals nothing to someone without a valid invitation, and races end in 409, never 500.</summary>
public sealed class RegistrationTests : IDisposable
{
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public RegistrationTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task Register_MadeUpCodeWithTakenUsername_AnswersLikeAnyFreeUsername()
    {
        await cast.AdminAsync(); // "admin" now exists
        using var http = server.NewHttp();
        var before = Probe.State(server);

        var taken = await http.PostAsJsonAsync("/auth/register", Probe.Registration("MADEUPCODE234567", "admin", Cast.Passphrase));
        var free = await http.PostAsJsonAsync("/auth/register", Probe.Registration("MADEUPCODE234567", "nobody.yet", Cast.Passphrase));

        var takenProblem = await Probe.AssertProblemAsync(taken, HttpStatusCode.BadRequest, ProblemTypes.InvalidInvitation);
        var freeProblem = await Probe.AssertProblemAsync(free, HttpStatusCode.BadRequest, ProblemTypes.InvalidInvitation);
        Assert.Equal(freeProblem.GetProperty("title").GetString(), takenProblem.GetProperty("title").GetString());
        Assert.Equal(before, Probe.State(server));
    }

    [Fact]
    public async Task Register_ValidInvitationTakenUsername_Returns409AndInvitationStaysUsable()
    {
        var admin = await cast.AdminAsync();
        var invitation = await admin.CreateInvitationAsync(Roles.Guardian);
        using var http = server.NewHttp();
        var before = Probe.State(server);

        var taken = await http.PostAsJsonAsync("/auth/register", Probe.Registration(invitation.Code, "admin", Cast.Passphrase));
        await Probe.AssertProblemAsync(taken, HttpStatusCode.Conflict, ProblemTypes.UsernameTaken);
        Assert.Equal(before, Probe.State(server));

        var ok = await http.PostAsJsonAsync("/auth/register", Probe.Registration(invitation.Code, "moeder.bakker", Cast.Passphrase));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Register_ConcurrentSameUsername_OneSucceedsOthersGet409()
    {
        var admin = await cast.AdminAsync();
        const int racers = 8;
        var bodies = new List<Dictionary<string, object>>();
        for (var i = 0; i < racers; i++)
        {
            bodies.Add(Probe.Registration((await admin.CreateInvitationAsync(Roles.Guardian)).Code, "vader.smit", Cast.Passphrase));
        }
        var usersBefore = Probe.Count(server, "SELECT COUNT(*) FROM AspNetUsers");

        // Each racer on its own connection, all released together.
        var clients = bodies.Select(_ => server.NewHttp()).ToList();
        using var start = new SemaphoreSlim(0);
        var races = bodies.Select(async (body, i) =>
        {
            await start.WaitAsync();
            using var response = await clients[i].PostAsJsonAsync("/auth/register", body);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await Probe.AssertProblemAsync(response, HttpStatusCode.Conflict, ProblemTypes.UsernameTaken);
            }
            return response.StatusCode;
        }).ToList();
        start.Release(racers);
        var outcomes = await Task.WhenAll(races);
        clients.ForEach(c => c.Dispose());

        Assert.Single(outcomes, s => s == HttpStatusCode.OK);
        Assert.Equal(racers - 1, outcomes.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(usersBefore + 1, Probe.Count(server, "SELECT COUNT(*) FROM AspNetUsers"));
        // The losers' invitations were not consumed.
        Assert.Equal(racers - 1, Probe.Count(server, "SELECT COUNT(*) FROM Invitations WHERE Role = 'guardian' AND UsedAt IS NULL"));
    }
}
