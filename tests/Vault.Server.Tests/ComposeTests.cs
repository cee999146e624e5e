using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NSubstitute;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Storage;

namespace Vault.Server.Tests;

/// <summary>
/// The compose stacks (compose/) as `docker-compose config` resolves them (Debian's docker-compose 1.29; no engine
/// needed): the services, health checks and secrets are there, and each Vault node's environment, after the image's
/// entrypoint has added the passwords from their secret files, binds to the server's own options with no unknown key
/// and passes the server's own checks. The health-check script runs against a real server.
/// </summary>
[Trait("Category", "Deployment")] // the SQLite run only: see test.sh
public sealed partial class ComposeTests : IDisposable
{
    private const string Region = "docker-compose.yml", Small = "docker-compose.small.yml";
    private static readonly string[] RegionServices = ["vault-1", "vault-2", "caddy", "postgres", "redis", "minio"];
    private readonly string work = Path.Combine(Path.GetTempPath(), "vault-compose-tests", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> secretValues = [];

    public ComposeTests()
    {
        // A copy of compose/ with a placeholder for every secret file, so nothing is written into the repository; a
        // checkout's real secrets and backups (if any) are not copied.
        foreach (var file in Directory.EnumerateFiles(ComposeDirectory(), "*", SearchOption.AllDirectories)
                     .Where(f => Path.GetRelativePath(ComposeDirectory(), f).Split(Path.DirectorySeparatorChar)[0] is not ("secrets" or "backups")))
        {
            var target = Path.Combine(work, Path.GetRelativePath(ComposeDirectory(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Directory.CreateDirectory(Path.Combine(work, "secrets"));
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    [Fact]
    public void RegionStack_Config_TwoNodesBehindTheProxyWithTheirServicesAndHealthChecks()
    {
        var config = Config(Region);
        var services = config.GetProperty("services");

        Assert.All(RegionServices, name => Assert.True(services.TryGetProperty(name, out _), $"{Region} has no service {name}"));
        Assert.All(RegionServices.Where(s => s != "caddy"), name => Assert.NotEmpty(Strings(services.GetProperty(name).GetProperty("healthcheck"), "test")));
        // Only the first node may create the installation (keys, schema, admin invitation): the second waits until it is ready.
        Assert.Equal("service_healthy", services.GetProperty("vault-2").GetProperty("depends_on").GetProperty("vault-1").GetProperty("condition").GetString());
        Assert.False(services.GetProperty("vault-1").GetProperty("depends_on").TryGetProperty("vault-2", out _));
        // The address the nodes trust for forwarded headers is Caddy's.
        var caddyAddress = services.GetProperty("caddy").GetProperty("networks").GetProperty("edge").GetProperty("ipv4_address").GetString();
        foreach (var node in new[] { "vault-1", "vault-2" })
        {
            Assert.Equal(caddyAddress, Environment(services.GetProperty(node))["Vault__TrustedProxies__0"]);
            Assert.Contains("/data", Strings(services.GetProperty(node), "volumes").Single(v => v.StartsWith("vault-data:", StringComparison.Ordinal)));
        }
        var caddyfile = File.ReadAllText(Path.Combine(work, "Caddyfile"));
        Assert.Matches(@"reverse_proxy\s+vault-1:8080\s+vault-2:8080", caddyfile);
        Assert.Matches(@"lb_policy\s+cookie", caddyfile);
        Assert.Matches(@"health_uri\s+/health/ready", caddyfile);
        Assert.Contains(Path.Combine(work, "Caddyfile") + ":/etc/caddy/Caddyfile:ro", Strings(services.GetProperty("caddy"), "volumes"));
    }

    [Theory]
    [InlineData(Region)]
    [InlineData(Small)]
    public void Config_EverySecretSetting_NamesASecretItsServiceMountsAndNoPasswordIsPlain(string file)
    {
        var config = Config(file);
        foreach (var service in config.GetProperty("services").EnumerateObject())
        {
            var mounted = service.Value.TryGetProperty("secrets", out var secrets)
                ? secrets.EnumerateArray().Select(s => s.GetProperty("source").GetString()!).ToHashSet() : [];
            foreach (var (key, value) in Environment(service.Value))
            {
                if (value.StartsWith("/run/secrets/", StringComparison.Ordinal) || key.EndsWith("_FILE", StringComparison.Ordinal))
                {
                    var name = value.StartsWith("/run/secrets/", StringComparison.Ordinal) ? value["/run/secrets/".Length..] : value;
                    Assert.True(mounted.Contains(name), $"{file}: {service.Name} {key} names secret '{name}', which it does not mount");
                }
                // A secret is named by a file, never given: no secret-named key, no password inside a connection string.
                Assert.DoesNotMatch(@"(?i)(password|secret|secretkey|accesskey|encryptionkey|root_user)$", key);
                Assert.DoesNotMatch(@"(?i)password\s*=", value);
            }
        }
    }

    [Theory]
    [InlineData(Region, "vault-1")]
    [InlineData(Region, "vault-2")]
    [InlineData(Small, "vault")]
    public async Task NodeEnvironment_AfterTheEntrypoint_BindsToTheServersOptionsAndPassesItsChecks(string file, string node)
    {
        var config = Config(file);
        var environment = await EntrypointEnvironmentAsync(config, node);
        var settings = environment.Where(e => e.Key.StartsWith("Vault__", StringComparison.Ordinal))
            .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        settings["urls"] = environment["ASPNETCORE_URLS"];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        // Every key is one the server reads: an unknown or misspelt key, or a value of the wrong type, throws.
        var options = configuration.GetSection(VaultOptions.Section).Get<VaultOptions>(o => o.ErrorOnUnknownConfiguration = true)!;
        var host = Substitute.For<IHostEnvironment>();
        host.EnvironmentName.Returns(Environments.Production);
        var endpoint = PublicEndpoint.Resolve(options, configuration, host);
        Assert.Equal(new Uri("https://vault.example.nl/"), endpoint.Url);
        Assert.NotNull(KeyEncryptionKey.Load(options));
        var (provider, connectionString) = DatabaseOptions.Resolve(options);

        if (file == Small)
        {
            Assert.Equal(DatabaseOptions.Sqlite, provider);
            Assert.Null(options.Cluster.Redis);
            return;
        }
        Assert.Equal(DatabaseOptions.Postgres, provider);
        Assert.Equal(secretValues["postgres_password"], new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Password);
        var redis = StackExchange.Redis.ConfigurationOptions.Parse(options.Cluster.Redis!);
        Assert.Equal(secretValues["redis_password"], redis.Password);
        Assert.Equal("redis", Assert.IsType<DnsEndPoint>(Assert.Single(redis.EndPoints)).Host);
        var s3 = StoragePolicy.ResolveS3(options);
        Assert.Equal("http://minio:9000/vault", s3.ToString());
        // Vault's own MinIO user (limited to its bucket), not MinIO's root keys.
        Assert.Equal(SecretFile(config, "vault_s3_access_key"), options.Storage.S3.AccessKeyFile);
        Assert.Equal(SecretFile(config, "vault_s3_secret_key"), options.Storage.S3.SecretKeyFile);
    }

    [Theory]
    [InlineData("a;Pooling=false")]
    [InlineData("a,b")]
    [InlineData("")]
    public async Task Entrypoint_PasswordThatWouldSplitItsConnectionString_RefusedBeforeTheServerStarts(string password)
    {
        var config = Config(Region);
        File.WriteAllText(SecretFile(config, "postgres_password"), password);

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => EntrypointEnvironmentAsync(config, "vault-1"));
        Assert.Contains("VAULT_POSTGRES_PASSWORD_FILE", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fake dotnet", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_ReadyServerAndOneWhoseBlobStoreIsDown_ZeroThenNonZero()
    {
        using var ready = new VaultServer();
        Assert.Equal(0, await HealthcheckAsync(ready));

        var store = Substitute.For<IBlobStore>();
        store.IsReadyAsync(Arg.Any<CancellationToken>()).Returns(false);
        using var notReady = new VaultServer { ConfigureTestServices = services => services.AddSingleton(store) };
        Assert.NotEqual(0, await HealthcheckAsync(notReady));

        async Task<int> HealthcheckAsync(VaultServer server) => (await RunAsync("bash",
            [Path.Combine(work, "vault-healthcheck.sh"), server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)])).ExitCode;
    }

    [Fact]
    public async Task CaddyHealthCheck_WithTheCaddyfilesHeadersFromTheTrustedProxy_Ready()
    {
        // Caddy's active check is plain http from its own (trusted) address to a node's network address.
        var address = NetworkAddress();
        using var server = new VaultServer(listenOnAllAddresses: true)
        {
            Settings =
            {
                ["Vault:PublicUrl"] = "https://vault.example.nl", ["Vault:TrustedProxies:0"] = address.ToString(),
                ["Vault:KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            },
        };
        var block = File.ReadAllText(Path.Combine(work, "Caddyfile")).Split("health_headers {")[1].Split('\n').Skip(1).TakeWhile(l => l.Trim() != "}");
        var headers = block.Select(l => HealthHeader().Match(l))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Replace("{$VAULT_DOMAIN}", "vault.example.nl", StringComparison.Ordinal));
        Assert.Equal(["Host", "X-Forwarded-Proto"], headers.Keys.Order());
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, await CheckAsync(headers));
        // Each header is needed: without the public host the host filter refuses, without the proto the TLS rule.
        foreach (var left in headers.Keys)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await CheckAsync(headers.Where(h => h.Key != left).ToDictionary()));
        }

        async Task<HttpStatusCode> CheckAsync(Dictionary<string, string> sent)
        {
            using var check = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{server.Port}/health/ready");
            foreach (var (name, value) in sent)
            {
                if (name == "Host")
                {
                    check.Headers.Host = value;
                }
                else
                {
                    check.Headers.Add(name, value);
                }
            }
            return (await http.SendAsync(check)).StatusCode;
        }
    }

    /// <summary>`docker-compose config` of a copy of compose/, as JSON (through PyYAML, which docker-compose itself runs on).</summary>
    private JsonElement Config(string file)
    {
        var config = Run("docker-compose", ["-f", Path.Combine(work, file), "config"],
            "docker-compose is missing: ./test.sh installs it, or run `apt-get install -y docker-compose` as root");
        var json = Run("python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
            "python3 with PyYAML (a dependency of Debian's docker-compose) is missing", config);
        var parsed = JsonDocument.Parse(json).RootElement;
        foreach (var secret in parsed.TryGetProperty("secrets", out var secrets) ? secrets.EnumerateObject() : [])
        {
            // The key-encryption key is 32 random bytes in base64; every other secret, like the README's, is hex.
            var value = secret.Name == "vault_kek" ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
                : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            secretValues[secret.Name] = value;
            File.WriteAllText(secret.Value.GetProperty("file").GetString()!, value + "\n");
        }
        return parsed;
    }

    /// <summary>
    /// The node's environment as the server would see it: compose's, with each /run/secrets path pointing at the
    /// placeholder file, through compose/vault-entrypoint.sh to a stand-in `dotnet` that prints its environment.
    /// </summary>
    private async Task<Dictionary<string, string>> EntrypointEnvironmentAsync(JsonElement config, string node)
    {
        var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
        var fake = Path.Combine(bin, "dotnet");
        File.WriteAllText(fake, "#!/bin/sh\necho \"fake dotnet $*\"\nexec env\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var environment = Environment(config.GetProperty("services").GetProperty(node)).ToDictionary(
            e => e.Key, e => e.Value.StartsWith("/run/secrets/", StringComparison.Ordinal) ? SecretFile(config, e.Value["/run/secrets/".Length..]) : e.Value);
        environment["PATH"] = bin + ":/usr/bin:/bin";
        var (exitCode, output) = await RunAsync("sh", [Path.Combine(work, "vault-entrypoint.sh")], environment);
        if (exitCode != 0 || !output.StartsWith("fake dotnet /app/Vault.Server.dll", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"vault-entrypoint.sh exited {exitCode}: {output}");
        }
        return output.Split('\n').Skip(1).Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private static string SecretFile(JsonElement config, string name) =>
        config.GetProperty("secrets").GetProperty(name).GetProperty("file").GetString()!;

    private static Dictionary<string, string> Environment(JsonElement service) =>
        service.TryGetProperty("environment", out var environment)
            ? environment.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.ValueKind == JsonValueKind.Null ? "" : e.Value.ToString())
            : [];

    private static List<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var array) ? array.EnumerateArray().Select(e => e.GetString()!).ToList() : [];

    [GeneratedRegex(@"^\s*(\S+)\s+(\S+)\s*$")]
    private static partial Regex HealthHeader();
}
