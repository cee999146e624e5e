using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;

namespace Vault.Server.Tests;

public sealed partial class EveryEndpointBadInputTests
{
    /// <summary>A server with a family (coordinator, guardian) and a channel, so a real token reaches deep into handlers.</summary>
    public sealed partial class Fixture : IAsyncLifetime
    {
        private List<Endpoint>? endpoints;
        private JsonObject? components;

        public VaultServer Server { get; } = new();

        public HttpClient Http { get; private set; } = null!;
        public VaultClient Guardian { get; private set; } = null!;

        /// <summary>Reaches the admin-only endpoints (invitations, audit erasure), which refuse a guardian before binding.</summary>
        public VaultClient Admin { get; private set; } = null!;

        /// <summary>Reaches the privacy officer's endpoints, which refuse everyone else before reading their query.</summary>
        public VaultClient Officer { get; private set; } = null!;
        public Guid FamilyId { get; private set; }
        public Guid ChannelId { get; private set; }

        public async Task InitializeAsync()
        {
            var cast = new Cast(Server);
            var (familyId, coordinator, guardian) = await cast.FamilyAsync();
            var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
            (FamilyId, ChannelId, Guardian, Admin) = (familyId, channel.Id, guardian, await cast.AdminAsync());
            Officer = await cast.AccountAsync(Vault.Contracts.Roles.PrivacyOfficer, "fg.walk");
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
        public string State() => Server.Snapshot(table => !table.StartsWith("Audit", StringComparison.Ordinal));

        [GeneratedRegex(@":[a-z]+(\(.*?\))?(?=})|\?(?=})|(?<={)\*\*")]
        private static partial Regex ConstraintFree();

        private static Regex RouteParameter(string name) => new("{\\**" + Regex.Escape(name) + "(:[^}]*)?\\??}");
    }
}
