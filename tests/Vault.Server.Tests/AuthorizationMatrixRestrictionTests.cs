using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Access;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

/// <summary>
/// Restriction (AVG article 18) against the whole matrix: every row that writes to a family, called by a caller the
/// matrix allows, is refused with 423 family-restricted while family A is restricted — and so is a send over the hub.
/// The few writes that stay open (they only take access away, or exercise a right) are named here, so a new exemption
/// is a decision, not an accident.
/// </summary>
[Collection(AuthorizationMatrixFixture.Collection)]
public sealed class AuthorizationMatrixRestrictionTests(AuthorizationMatrixFixture f, ITestOutputHelper output)
{
    private static readonly HashSet<string> Exempt = new(StringComparer.Ordinal)
    {
        "POST /families/{familyId:guid}/grants/{grantId:guid}/withdraw",
        "DELETE /families/{familyId:guid}/members/{userId:guid}",
        "POST /families/{familyId:guid}/requests",
    };

    [Fact]
    public void Exemptions_AreExactlyTheNamedOnes()
    {
        var marked = f.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<AllowedWhileRestricted>() is not null && e.RoutePattern.RawText!.StartsWith("/families/{", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Exempt.Order(), marked.Order());
    }

    [Fact]
    public async Task FamilyWrites_FamilyRestricted_EveryPathRefused()
    {
        // Each write row's request is prepared first (preparing may itself write), then the family is restricted.
        var prepared = new List<(Row Row, Cell Cell, Req Request)>();
        foreach (var row in Matrix.Rows.Where(r => r.Audience == Audience.Family && r.Method is not ("GET" or "HEAD")
                                                   && r.Template.StartsWith("/families/{familyId:guid}", StringComparison.Ordinal)))
        {
            var cell = Matrix.Cells(row, f).Select(x => x.Cell with { Expected = Matrix.Expect(row, x.Cell) })
                .First(c => c.Expected.Success && !c.World.ForeignIds);
            prepared.Add((row, cell, row.Build is { } build ? await build(cell, row.Template) : new Req(Matrix.FillFor(row.Template, cell))));
        }
        Assert.True(prepared.Count > 15, $"only {prepared.Count} family writes found");

        var officer = f.Principals.Single(p => p.Role == Roles.PrivacyOfficer).Client!;
        await officer.RestrictAsync((await officer.RecordRequestAsync(f.A.FamilyId, RequestKinds.Restriction)).Id);
        var failures = new List<string>();
        try
        {
            foreach (var (row, cell, request) in prepared)
            {
                var response = await f.SendAsync(cell.Who, row.Method, request);
                var refused = response.Status == 423 && response.ProblemType == ProblemTypes.FamilyRestricted;
                if (Exempt.Contains(row.Route) ? response.Status == 423 : !refused)
                {
                    failures.Add($"{row.Key} as {cell}: {response}");
                }
                output.WriteLine($"{row.Key} as {cell}: {response.Status}");
            }
            var guardian = f.GuardianA;
            await using var connection = new VaultConnection(guardian);
            await connection.StartAsync();
            var hub = await Assert.ThrowsAsync<VaultApiException>(() => guardian.SendAsync(f.A.FamilyId, f.A.ChannelId, "beperkt"));
            Assert.Equal(ProblemTypes.FamilyRestricted, hub.ProblemType);
        }
        finally
        {
            await officer.LiftRestrictionAsync(f.A.FamilyId, "matrix");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
