using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
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
    public async Task Endpoints_MalformedRequestsWithToken_Answer4xxProblemAndChangeNothing()
    {
        await WalkAsync(f.Guardian.Session!.AccessToken);
        // The token still works: no malformed request revoked or broke the caller's session.
        Assert.NotEmpty(await f.Guardian.ListFamiliesAsync());
    }

    private async Task WalkAsync(string? token)
    {
        var endpoints = await f.EndpointsAsync();
        Assert.True(endpoints.Count > 40, $"only {endpoints.Count} endpoints found");
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
                if (status >= 400 && !IsProblem(response, body) && !IsRefusedByKestrel(response, body) && !IsSignalRTransport(endpoint))
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

    /// <summary>A server with a family (coordinator, guardian) and a channel, so a real token reaches deep into handlers.</summary>
    public sealed partial class Fixture : IAsyncLifetime
    {
        private List<Endpoint>? endpoints;
        private JsonObject? components;

        public VaultServer Server { get; } = new();

        public HttpClient Http { get; private set; } = null!;
        public VaultClient Guardian { get; private set; } = null!;
        public Guid FamilyId { get; private set; }
        public Guid ChannelId { get; private set; }

        public async Task InitializeAsync()
        {
            var cast = new Cast(Server);
            var (familyId, coordinator, guardian) = await cast.FamilyAsync();
            var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
            (FamilyId, ChannelId, Guardian) = (familyId, channel.Id, guardian);
            Http = Server.NewHttp();
        }

        public Task DisposeAsync()
        {
            Http.Dispose();
            Server.Dispose();
            return Task.CompletedTask;
        }

        public async Task<List<Endpoint>> EndpointsAsync()
        {
            if (endpoints is not null)
            {
                return endpoints;
            }
            var openApi = MalformedRequests.Parse(await Http.GetStringAsync("/openapi/v1.json"))!;
            components = openApi["components"]?["schemas"] as JsonObject;
            var described = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var (path, operations) in (JsonObject)openApi["paths"]!)
            {
                foreach (var (method, operation) in (JsonObject)operations!)
                {
                    described[$"{method.ToUpperInvariant()} {path}"] = (JsonObject)operation!;
                }
            }
            var found = new List<Endpoint>();
            foreach (var route in Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
            {
                var template = "/" + (route.RoutePattern.RawText ?? "").Trim('/');
                var parameters = route.RoutePattern.Parameters
                    .Select(p => (p.Name, p.ParameterPolicies.Count > 0 ? p.ParameterPolicies[0].Content ?? "" : p.IsCatchAll ? "catchall" : "")).ToList();
                foreach (var method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"])
                {
                    var operation = described.GetValueOrDefault($"{method} {ConstraintFree().Replace(template, "")}");
                    var body = operation?["requestBody"]?["content"]?["application/json"]?["schema"] as JsonObject;
                    var query = (operation?["parameters"] as JsonArray ?? [])
                        .Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToList();
                    found.Add(new Endpoint(method, template, parameters, body, query));
                }
            }
            // OpenID Connect endpoints the server answers without a mapped route (discovery, keys).
            var discovery = MalformedRequests.Parse(await Http.GetStringAsync("/.well-known/openid-configuration"))!;
            var oidc = discovery
                .Where(p => p.Key.EndsWith("_endpoint", StringComparison.Ordinal) || p.Key == "jwks_uri")
                .Select(p => new Uri(p.Value!.GetValue<string>()).AbsolutePath).Append("/.well-known/openid-configuration");
            foreach (var path in oidc.Distinct().Where(p => !found.Any(e => e.Template == p)))
            {
                found.Add(new Endpoint("GET", path, [], null, []));
                found.Add(new Endpoint("POST", path, [], null, []));
            }
            return endpoints = found;
        }

        /// <summary>The corpus for one endpoint: bad bodies, bad path and query values, bad headers.</summary>
        public IEnumerable<Malformed> Requests(Endpoint endpoint, string? token)
        {
            var method = new HttpMethod(endpoint.Method);
            string Path(string? badParameter = null, string? badValue = null) =>
                endpoint.Parameters.Aggregate(endpoint.Template, (path, p) => RouteParameter(p.Name).Replace(path,
                    p.Name == badParameter ? badValue! : Uri.EscapeDataString(Value(p.Name, p.Constraint, endpoint, token))));
            Malformed Make(string name, string path, Func<HttpContent>? content = null, Action<HttpRequestMessage>? headers = null) =>
                new(name, baseAddress =>
                {
                    var request = new HttpRequestMessage(method, new Uri(baseAddress, path)) { Content = content?.Invoke() };
                    // The server may refuse a body before reading it (413): the client waits for its word first.
                    request.Headers.ExpectContinue = request.Content is not null;
                    headers?.Invoke(request);
                    return request;
                });

            foreach (var (name, content) in MalformedRequests.Bodies(endpoint.BodySchema, components))
            {
                yield return Make("body: " + name, Path(), content);
            }
            foreach (var (parameter, _) in endpoint.Parameters)
            {
                foreach (var (name, value) in MalformedRequests.PathValues())
                {
                    yield return Make($"path {parameter}: {name}", Path(parameter, value));
                }
            }
            foreach (var parameter in endpoint.Query)
            {
                foreach (var (name, value) in MalformedRequests.QueryValues())
                {
                    yield return Make($"query {parameter}: {name}", Path() + $"?{parameter}={value}&{parameter}=1");
                }
            }
            foreach (var (name, value) in new[] { ("not a token", "Bearer not.a.token"), ("8 KiB token", "Bearer " + new string('a', 8192)),
                         ("basic", "Basic Zm9vOmJhcg=="), ("empty bearer", "Bearer") })
            {
                yield return Make("header Authorization: " + name, Path(), null, r => r.Headers.TryAddWithoutValidation("Authorization", value));
            }
        }

        private string Value(string name, string constraint, Endpoint endpoint, string? token) => name switch
        {
            "familyId" when token is not null => FamilyId.ToString(),
            // A channel's own id only where a body is refused anyway; body-less writes (archive) get a random one.
            "channelId" when token is not null && endpoint.HasBody => ChannelId.ToString(),
            "scope" => "channel:" + ChannelId,
            _ => constraint switch
            {
                "int" or "long" => "1",
                "catchall" => "index.html",
                "" => "x",
                _ => Guid.NewGuid().ToString(),
            },
        };

        /// <summary>Every row of every table but the audit log (refusals are audited, by design).</summary>
        public string State()
        {
            using var connection = new SqliteConnection($"Data Source={Server.DatabaseFile};Pooling=False");
            connection.Open();
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'Audit%' AND name NOT LIKE 'sqlite%' ORDER BY name";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            var state = new StringBuilder();
            foreach (var table in tables)
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
                using var reader = command.ExecuteReader();
                state.Append(table).Append(':');
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        state.Append(reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i) is byte[] b ? Convert.ToHexString(b)
                            : reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                    }
                    state.Append('\n');
                }
            }
            return state.ToString();
        }

        [GeneratedRegex(@":[a-z]+(\(.*?\))?(?=})|\?(?=})|(?<={)\*\*")]
        private static partial Regex ConstraintFree();

        private static Regex RouteParameter(string name) => new("{\\**" + Regex.Escape(name) + "(:[^}]*)?\\??}");
    }
}
