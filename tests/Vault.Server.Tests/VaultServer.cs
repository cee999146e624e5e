using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OtpNet;
using Vault.Client;
using Vault.Server.Identity;

namespace Vault.Server.Tests;

/// <summary>
/// A real Vault server on a loopback socket with its own data directory, a captured admin invitation and a
/// capture of every log line it writes (to prove nothing secret is logged).
/// </summary>
public sealed class VaultServer : WebApplicationFactory<Program>
{
    private readonly StringWriter bootstrap = new();
    private readonly string defaultDataDirectory = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
    public string DataDirectory => DataDirectoryOverride ?? defaultDataDirectory;
    public string? DataDirectoryOverride { get; init; }
    public bool KeepData { get; init; }
    public ConcurrentQueue<string> Logs { get; } = new();
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    /// <summary>Extra configuration, e.g. ["Vault:Consent:ChildSaysFromAge"] = "14".</summary>
    public Dictionary<string, string> Settings { get; } = [];

    /// <summary>On a free port of 127.0.0.1, or of every address (for the TLS rules, which concern network addresses).</summary>
    public VaultServer(bool listenOnAllAddresses = false)
    {
        if (listenOnAllAddresses)
        {
            UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Any, 0));
        }
        else
        {
            UseKestrel(0);
        }
    }

    /// <summary>The port the server listens on.</summary>
    public int Port => new Uri(Started().Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()).Port;

    public string AdminInvitation =>
        Started().bootstrap.ToString().Split('\n').Single(l => l.StartsWith(BootstrapOutput.Prefix, StringComparison.Ordinal))
            [BootstrapOutput.Prefix.Length..].Trim();

    /// <summary>The SQLite file (when <see cref="PostgresConnectionString"/> is null).</summary>
    public string DatabaseFile => Path.Combine(Started().DataDirectory, "vault.db");

    /// <summary>This server's own PostgreSQL database when the tests run on PostgreSQL (see TestPostgres), else null.</summary>
    public string? PostgresConnectionString => Started().postgres;

    private string? postgres;

    private VaultServer Started()
    {
        StartServer(); // idempotent; lazy so that init-only settings apply first
        return this;
    }

    /// <summary>An SDK client over a real socket; <paramref name="recorder"/> sees every byte sent.</summary>
    public VaultClient NewClient(WireRecorder? recorder = null)
    {
        var handler = (HttpMessageHandler)new SocketsHttpHandler();
        if (recorder is not null)
        {
            recorder.InnerHandler = handler;
            handler = recorder;
        }
        Started();
        return new VaultClient(new HttpClient(handler) { BaseAddress = ClientOptions.BaseAddress });
    }

    public HttpClient NewHttp()
    {
        Started();
        return new HttpClient { BaseAddress = ClientOptions.BaseAddress };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Production, as deployed: WebApplicationFactory would otherwise run Development, where TLS rules relax.
        builder.UseEnvironment(Environments.Production);
        builder.UseSetting("Vault:DataDirectory", DataDirectory);
        if (TestPostgres.Enabled)
        {
            postgres ??= TestPostgres.Database(DataDirectory);
            builder.UseSetting("Vault:Database:Provider", "postgres");
            builder.UseSetting("Vault:Database:ConnectionString", postgres);
        }
        // Cheap Argon2id keeps the suite fast; the SDK follows whatever cost the server announces.
        builder.UseSetting("Vault:Kdf:OpsLimit", "3");
        builder.UseSetting("Vault:Kdf:MemLimitBytes", (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Every test client comes from 127.0.0.1: the anonymous rate limit is tested on its own (RateLimitTests).
        builder.UseSetting("Vault:RateLimits:AnonymousPermitsPerMinute", "1000000");
        builder.UseSetting("Vault:RateLimits:AnonymousBurst", "1000000");
        builder.UseSetting("Vault:RateLimits:TokenPermitsPerMinute", "1000000");
        builder.UseSetting("Vault:RateLimits:TokenBurst", "1000000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(new CaptureProvider(Logs)));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(new BootstrapOutput(TextWriter.Synchronized(bootstrap)));
            ConfigureTestServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (KeepData)
        {
            return;
        }
        if (postgres is not null)
        {
            TestPostgres.Drop(postgres);
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    public static string TotpCode(string secret, int stepsAhead = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));

    private sealed class CaptureProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CaptureLogger(categoryName, logs);
        public void Dispose() { }
    }

    private sealed class CaptureLogger(string category, ConcurrentQueue<string> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            logs.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Records every request body and URL the SDK sends, to prove what never crosses the wire.</summary>
public sealed class WireRecorder : DelegatingHandler
{
    public ConcurrentQueue<byte[]> Sent { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Sent.Enqueue(System.Text.Encoding.UTF8.GetBytes(request.RequestUri + "\n" + request.Headers));
        if (request.Content is not null)
        {
            Sent.Enqueue(await request.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
