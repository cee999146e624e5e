using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Client;
using Vault.Server.Data;
using Vault.Server.Identity;

namespace Vault.Benchmarks;

/// <summary>
/// The real Vault server in this process on a loopback socket (Kestrel, port 0), with its own temporary data
/// directory (SQLite in WAL mode, as in production). Differences from a production start, all for the load driver's
/// sake: the cheapest Argon2id the SDK accepts (8 MiB, 3 passes; registration is setup, not what is measured), log
/// output at Warning and above only (no per-request console line), and <see cref="ServerProbe"/> observing the
/// database through EF Core interceptors. Server code is unchanged.
/// </summary>
public sealed partial class BenchServer : WebApplicationFactory<Program>
{
    private readonly StringWriter bootstrap = new();

    /// <summary>Several nodes of one installation share it (its keys); the node that does not own it leaves it on disposal.</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "vault-bench", Guid.NewGuid().ToString("N"));

    public bool KeepData { get; init; }
    public ServerProbe Probe { get; init; } = new();

    /// <summary>Off: the server runs without the EF Core interceptors (nothing is counted).</summary>
    public bool AttachProbe { get; init; } = true;

    /// <summary>Configuration applied after the benchmark's own (e.g. "Vault:ConnectionString"), for what a run varies.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    public ConcurrentQueue<string> Problems { get; } = new();

    /// <summary>Every HTTP request the SDK clients make: "POST /families/{id}/invitations" and its duration.</summary>
    public ConcurrentQueue<(string Route, double Ms)> Requests { get; } = new();

    /// <summary>
    /// A what-if, off by default: when set, every connection the server opens gets `PRAGMA busy_timeout` with
    /// <see cref="BusyTimeoutMs"/> (0 = SQLite's default, no busy handler), so that SQLite's own busy handler (short,
    /// growing waits) meets a held write lock before Microsoft.Data.Sqlite's retry loop (150 ms sleeps) does. Phases
    /// can switch it on and off in one run. It changes no server code; it shows what that one setting would change.
    /// </summary>
    public bool BusyTimeoutExperiment { get; init; }

    public int BusyTimeoutMs { get; set; }

    /// <summary>
    /// What a load run changes from production, here and for the server's own binary (`compare --vault-host binary`):
    /// the cheapest Argon2id the SDK accepts (registration is setup, not what is measured); no rate limits (the whole
    /// cast logs in from 127.0.0.1 within seconds); access tokens that outlive a run (a hub connection closes when its
    /// token expires, and reconnections are not what is measured).
    /// </summary>
    public static IReadOnlyDictionary<string, string> LoadSettings { get; } = new Dictionary<string, string>
    {
        ["Vault:Kdf:OpsLimit"] = "3",
        ["Vault:Kdf:MemLimitBytes"] = (8 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
        ["Vault:RateLimits:AnonymousPermitsPerMinute"] = "1000000",
        ["Vault:RateLimits:AnonymousBurst"] = "1000000",
        ["Vault:RateLimits:TokenPermitsPerMinute"] = "1000000",
        ["Vault:RateLimits:TokenBurst"] = "1000000",
        ["Vault:Tokens:AccessTokenMinutes"] = "240",
    };

    public BenchServer()
    {
        // WebApplicationFactory finds the server's content root through MvcTestingAppManifest.json in the current
        // directory: under `dotnet test` that is the output folder, under `dotnet run` it is wherever it was started.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        UseKestrel(0);
    }

    /// <summary>Starts the server; the first admin's invitation if it printed one (a second node finds the first's accounts).</summary>
    public string? AdminInvitation
    {
        get
        {
            StartServer();
            return bootstrap.ToString().Split('\n').SingleOrDefault(l => l.StartsWith(BootstrapOutput.Prefix, StringComparison.Ordinal))
                ?[BootstrapOutput.Prefix.Length..].Trim();
        }
    }

    public VaultClient NewClient()
    {
        StartServer();
        return new VaultClient(new HttpClient(new RequestTimer(Requests) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = ClientOptions.BaseAddress,
        });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Production, as deployed: WebApplicationFactory would otherwise run Development, which also validates DI
        // scopes on every resolution (a cost production does not pay).
        builder.UseEnvironment(Environments.Production);
        builder.UseSetting("Vault:DataDirectory", DataDirectory);
        foreach (var (key, value) in LoadSettings.Concat(Settings))
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddProvider(new ProblemCollector(Problems));
        });
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(new BootstrapOutput(TextWriter.Synchronized(bootstrap)));
            if (AttachProbe)
            {
                services.ConfigureDbContext<VaultDbContext>(db => db.AddInterceptors(Probe.Interceptors));
                Probe.ListenToWriter();
            }
            if (BusyTimeoutExperiment)
            {
                services.ConfigureDbContext<VaultDbContext>(db => db.AddInterceptors(new BusyTimeout(this)));
            }
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
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    private sealed class BusyTimeout(BenchServer server) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
            CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = " + server.BusyTimeoutMs.ToString(CultureInfo.InvariantCulture) + ";";
            command.ExecuteNonQuery();
        }
    }

    private sealed partial class RequestTimer(ConcurrentQueue<(string Route, double Ms)> requests) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                var path = Guids().Replace(request.RequestUri?.AbsolutePath ?? "", "{id}");
                requests.Enqueue(($"{request.Method} {path}", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|channel%3A[^/]+")]
        private static partial System.Text.RegularExpressions.Regex Guids();
    }

    /// <summary>Every warning, error and critical line the server logs: a load run must produce none of the latter.</summary>
    private sealed class ProblemCollector(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, lines);
        public void Dispose() { }

        private sealed class Collector(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
                }
            }
        }
    }
}
