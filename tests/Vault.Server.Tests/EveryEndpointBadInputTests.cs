using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

/// <summary>
/// Every endpoint, found by walking the mapped endpoints, the OpenAPI document and the OpenID Connect discovery
/// document (so a new endpoint joins without anyone editing this test), gets the malformed-request corpus, anonymously
/// and with a real token: no 5xx, no exception, stack or SQL text, every error a ProblemDetails with a stable type,
/// nothing in the database changed by a refused request, the server still live and nothing logged as an error.
/// </summary>
public sealed partial class EveryEndpointBadInputTests(EveryEndpointBadInputTests.Fixture f, ITestOutputHelper output)
    : IClassFixture<EveryEndpointBadInputTests.Fixture>
{
    [Fact]
    public Task Endpoints_MalformedRequestsAnonymous_Answer4xxProblemAndChangeNothing() => WalkAsync(token: null);

    [Fact]
    public Task Endpoints_MalformedRequestsWithAdminToken_Answer4xxProblemAndChangeNothing() => WalkAsync(f.Admin.Session!.AccessToken);

    /// <summary>The privacy officer's endpoints, which refuse every other token before they read a parameter.</summary>
    [Fact]
    public Task Endpoints_MalformedRequestsWithPrivacyOfficerToken_Answer4xxProblemAndChangeNothing() =>
        WalkAsync(f.Officer.Session!.AccessToken, only: "/privacy/");

    [Fact]
    public async Task Endpoints_MalformedRequestsWithToken_Answer4xxProblemAndChangeNothing()
    {
        await WalkAsync(f.Guardian.Session!.AccessToken);
        // The token still works: no malformed request revoked or broke the caller's session.
        Assert.NotEmpty(await f.Guardian.ListFamiliesAsync());
    }

    private async Task WalkAsync(string? token, string only = "/")
    {
        var endpoints = (await f.EndpointsAsync()).Where(e => e.Template.StartsWith(only, StringComparison.Ordinal)).ToList();
        Assert.True(endpoints.Count > (only == "/" ? 40 : 3), $"only {endpoints.Count} endpoints found");
        var failures = new List<string>();
        var sent = 0;
        var errorsBefore = f.Server.Logs.Count(IsErrorLog);
        foreach (var endpoint in endpoints)
        {
            foreach (var malformed in f.Requests(endpoint, token))
            {
                sent++;
                var before = f.State();
                using var request = malformed.Build(f.Http.BaseAddress!);
                if (token is not null && request.Headers.Authorization is null && !malformed.Name.StartsWith("header", StringComparison.Ordinal))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
                HttpResponseMessage response;
                try
                {
                    response = await f.Http.SendAsync(request);
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{endpoint} [{malformed}]: connection failed ({e.InnerException?.Message ?? e.Message})");
                    continue;
                }
                using var _ = response;
                var body = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var where = $"{endpoint} [{malformed}] -> {status}";
                if (status >= 500)
                {
                    failures.Add(where + ": server error");
                }
                if (status >= 400 && LeakPattern().Match(body) is { Success: true } leak)
                {
                    failures.Add($"{where}: body reveals '{leak.Value}'");
                }
                // A HEAD answer has no body: its Content-Type is all that can say it is a problem document.
                var headProblem = request.Method == HttpMethod.Head && body.Length == 0
                    && response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                if (status >= 400 && !IsProblem(response, body) && !headProblem && !IsRefusedByKestrel(response, body)
                    && !IsSignalRTransport(endpoint))
                {
                    failures.Add($"{where}: not a ProblemDetails with a urn:vault:problem type: {Truncate(body)}");
                }
                if (status is >= 200 and < 300 && endpoint.HasBody && malformed.Name.StartsWith("body", StringComparison.Ordinal)
                    && !malformed.Name.EndsWith("(may pass)", StringComparison.Ordinal))
                {
                    failures.Add(where + ": malformed body accepted");
                }
                if (status >= 400 && f.State() is var after && after != before)
                {
                    failures.Add($"{where}: refused, but the database changed: {Difference(before, after)}");
                }
            }
        }
        var live = await f.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var errors = f.Server.Logs.Where(IsErrorLog).Skip(errorsBefore).Take(5).ToList();
        output.WriteLine($"{sent} malformed requests to {endpoints.Count} endpoints; {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests answered wrongly:\n" + string.Join("\n", failures.Take(60)));
        Assert.True(errors.Count == 0, "errors logged:\n" + string.Join("\n", errors));
    }

    private static bool IsErrorLog(string line) => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal);

    private static bool IsProblem(HttpResponseMessage response, string body)
    {
        var media = response.Content.Headers.ContentType?.MediaType;
        if (media is not ("application/problem+json" or "application/json"))
        {
            return false;
        }
        try
        {
            return JsonNode.Parse(body)?["type"]?.GetValue<string>().StartsWith("urn:vault:problem:", StringComparison.Ordinal) == true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kestrel refuses a request target with a NUL or other control character before any application code runs: a
    /// bare 400 that closes the connection, which no application can give a body (aspnet/KestrelHttpServer#2947).
    /// </summary>
    private static bool IsRefusedByKestrel(HttpResponseMessage response, string body) =>
        response.StatusCode == HttpStatusCode.BadRequest && body.Length == 0 && response.Headers.ConnectionClose == true;

    /// <summary>
    /// The hub's HTTP transport (negotiate, long polling, WebSocket upgrade) answers protocol errors in SignalR's own
    /// plain-text form, to SignalR clients; they are still held to no 5xx, no leaks and no changes.
    /// </summary>
    private static bool IsSignalRTransport(Endpoint endpoint) =>
        endpoint.Template.StartsWith(Vault.Contracts.Messaging.HubPaths.Hub, StringComparison.Ordinal);

    private static string Difference(string before, string after)
    {
        var old = before.Split('\n').ToHashSet(StringComparer.Ordinal);
        return Truncate(string.Join(" / ", after.Split('\n').Where(line => !old.Contains(line))));
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] + "…" : s;

    [GeneratedRegex(@"Exception|   at |SQLite|SELECT |INSERT |Microsoft\.|System\.", RegexOptions.CultureInvariant)]
    private static partial Regex LeakPattern();

    /// <summary>One mapped route and method, with what the OpenAPI document says of its body and query.</summary>
    public sealed record Endpoint(string Method, string Template, IReadOnlyList<(string Name, string Constraint)> Parameters,
        JsonObject? BodySchema, IReadOnlyList<string> Query)
    {
        public bool HasBody => BodySchema is not null;
        public override string ToString() => $"{Method} {Template}";
    }
}
