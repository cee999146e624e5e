using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

// Deliberate choices, encoded as passing expectations:
//  - Another family's channel id inside A's URL answers a non-guardian member 403 no-consent, not 404, where consent
//    is checked per scope before the lookup: the answer is byte-for-byte the one a random id gets (asserted), so
//    nothing leaks. A guardian, who passes the scope check, gets 404. Grant ids answer 404 to every member; key-ring
//    reads look the channel up first and answer 404 to everyone (rows marked TargetFirst).
//  - Co-signing by someone the age rules do not name answers 400 urn:vault:problem:invalid-grant (as ConsentTests pin
//    down for submissions), not 403.

/// <summary>
/// The authorization matrix: every mapped endpoint × every role × every standing (own family with a write grant, a
/// read-only grant, no grant, an expired grant, a withdrawn grant; another family; removed; in no family; anonymous;
/// a revoked device), and for endpoints that take a channel, grant or member id also family A's URL carrying family
/// B's ids. An allowed call must really succeed (exact 2xx and a body that checks out for that caller); a refusal must
/// be exactly the rule's status and problem type; a 404 (and any answer about a foreign id) must be indistinguishable
/// from the answer for a random id and name nothing of the family. The hub is in AuthorizationMatrixHubTests; the
/// table of rows in AuthorizationMatrixRows.cs. A new endpoint fails <see cref="Matrix_CoversEveryMappedEndpoint"/>
/// until it joins the table.
/// </summary>
[Collection(AuthorizationMatrixFixture.Collection)]
public sealed class AuthorizationMatrixTests(AuthorizationMatrixFixture f, ITestOutputHelper output)
{
    /// <summary>
    /// Mapped endpoints deliberately outside the matrix: anonymous or protocol plumbing that carries no family data.
    /// A key ending in "*" allows every route under that prefix (static assets whose names a package chooses).
    /// </summary>
    private static readonly Dictionary<string, string> NotInMatrix = new(StringComparer.Ordinal)
    {
        // Anonymous by design; they hand out nothing but KDF parameters (a fake salt for unknown users) and
        // accounts only against an invitation code. Covered by IdentityFlowTests and BadInputTests.
        ["POST /auth/prelogin"] = "anonymous: KDF parameters",
        ["POST /auth/register"] = "anonymous: needs an invitation code",
        // OpenID Connect token endpoint: anonymous by protocol, the credentials are the request.
        ["POST /connect/token"] = "OIDC token endpoint",
        // Authorization code + PKCE for browser clients: the login takes credentials (like the token endpoint), the
        // authorize endpoint answers only a session cookie from that login. Covered by AuthorizationCodeTests.
        ["POST /connect/login"] = "browser login: the credentials are the request",
        ["GET /connect/authorize"] = "OIDC authorize endpoint",
        ["POST /connect/authorize"] = "OIDC authorize endpoint",
        // Liveness and readiness: names and states only (HostTests).
        ["* /health/live"] = "health",
        ["* /health/ready"] = "health",
        // API description and its viewer with its static assets: no data.
        ["GET /openapi/*"] = "OpenAPI document",
        ["GET /scalar/*"] = "API reference viewer",
    };

    public static TheoryData<string> RowKeys => new(Matrix.Rows.Select(r => r.Key));

    [Theory]
    [MemberData(nameof(RowKeys))]
    public async Task Endpoint_EveryRoleAndStanding_AnswersAsTheRulesSay_WithoutLeaks(string row)
    {
        var failures = await Matrix.RunAsync(f, Matrix.Rows.Single(r => r.Key == row), output.WriteLine);
        Assert.True(failures.Count == 0, $"{failures.Count} cell(s) wrong:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Matrix_CoversEveryMappedEndpoint()
    {
        var mapped = f.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {Route(e.RoutePattern.RawText)}"))
            .ToHashSet(StringComparer.Ordinal);
        var rows = Matrix.Rows.Select(r => r.Route).ToHashSet(StringComparer.Ordinal);
        var covered = rows.Concat(AuthorizationMatrixHubTests.Covers).ToHashSet(StringComparer.Ordinal);
        bool Allowed(string route) => NotInMatrix.Keys.Any(k => k.EndsWith('*') ? route.StartsWith(k[..^1], StringComparison.Ordinal) : k == route);

        var missing = mapped.Where(m => !covered.Contains(m) && !Allowed(m)).Order(StringComparer.Ordinal).ToList();
        var gone = covered.Concat(NotInMatrix.Keys).Where(c => c.EndsWith('*')
            ? !mapped.Any(m => m.StartsWith(c[..^1], StringComparison.Ordinal))
            : !mapped.Contains(c)).ToList();

        Assert.Empty(missing); // a new endpoint must join the matrix (or, if anonymous plumbing, the allow-list above)
        Assert.Empty(gone); // and no row, hub route or allow-list entry may name a route that is gone
        Assert.Equal(Matrix.Rows.Length, Matrix.Rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
    }

    private static string Route(string? raw) => raw is null or "/" ? "/" : "/" + raw.Trim('/');
}
