using System.Globalization;

namespace Vault.Benchmarks.Compare;

/// <summary>The options of `compare`; <see cref="Usage"/> explains each.</summary>
public sealed record CompareOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Vault.Benchmarks -- compare [options]
          Vault's hub and a bare SignalR rebroadcast hub, each in its own server process, driven alternately by this
          process (A/B/A/B) with the same load: N connections in groups of 10, closed loop, then paced.
          --quick                  smoke run (~1-2 min): 50 connections, 1 round, 5 s phases
          --connections L          connection counts, multiples of 10 (default 50,500)
          --rounds N               A/B rounds per connection count (default 2)
          --warmup S               unreported closed-loop warm-up per hub and connection count, seconds (default 5)
          --duration S             closed-loop phase, seconds (default 10)
          --paced S                paced phase, seconds (default 20; 0 skips it)
          --rate R                 paced total msg/s (default: half of Vault's closed-loop rate in round 1, per count)
          --database D             sqlite (default: a file in a temporary directory) | postgres (a private PostgreSQL
                                   started for the run with .ci/postgres.sh and stopped after it, unless
                                   --connection-string names one)
          --connection-string CS   the server's database instead (SQLite or Npgsql connection string, per --database)
          --vault-host H           factory (default: WebApplicationFactory on Kestrel in a child process, with the EF
                                   probe and allocation figures) | binary (the server's own build output; neither)
          --no-probe               factory host without the EF probe
          --server-setting K=V     extra server configuration, repeatable (e.g. Vault:Messaging:HistoryPageSize=100)
          --nodes N                Vault server processes (default 1); N > 1 means PostgreSQL and a private redis-server
                                   (Vault:Cluster:Redis) started for the run; member n of every family uses node n % N;
                                   CPU, allocation and SQL are summed over the nodes; the bare hub stays one process
          --vault-url U[,U...]     drive Vault server(s) already running instead of starting one; member n of every
                                   family uses URL n % count; needs --admin-invitation (printed at the server's first start)
          --admin-invitation CODE  with --vault-url
          --vault-pid P[,P...]     with --vault-url: server process ids, for CPU per message
          --setup-parallelism N    users registered at once during setup (default 4)
          --markdown FILE          also write the result tables as Markdown (for docs/benchmarks.md)
          --max-seconds S          hard bound on the whole run (default 1800)
        exit code: 0 all phases clean; 1 anything lost, duplicated, out of order, unauthorized, unauthentic, a send
        error or a server error; 2 bad options
        """;

    public IReadOnlyList<int> Connections { get; init; } = [50, 500];
    public int Rounds { get; init; } = 2;
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Closed { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Paced { get; init; } = TimeSpan.FromSeconds(20);
    public double? Rate { get; init; }
    public string Database { get; init; } = "sqlite";
    public string? ConnectionString { get; init; }
    public string VaultHost { get; init; } = "factory";
    public bool Probe { get; init; } = true;
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();
    public int Nodes { get; init; } = 1;
    public IReadOnlyList<Uri> VaultUrls { get; init; } = [];
    public string? AdminInvitation { get; init; }
    public IReadOnlyList<int> VaultPids { get; init; } = [];
    public int SetupParallelism { get; init; } = 4;
    public string? Markdown { get; init; }
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(1800);
    public const int GroupSize = 10;

    public static CompareOptions Parse(string[] args)
    {
        string? Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        List<string> Texts(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1]).ToList();
        int Int(string name, int fallback) => Text(name) is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : fallback;
        var quick = args.Contains("--quick");
        var options = new CompareOptions
        {
            Connections = (Text("--connections") ?? (quick ? "50" : "50,500")).Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList(),
            Rounds = Int("--rounds", quick ? 1 : 2),
            WarmUp = TimeSpan.FromSeconds(Int("--warmup", quick ? 3 : 5)),
            Closed = TimeSpan.FromSeconds(Int("--duration", quick ? 5 : 10)),
            Paced = TimeSpan.FromSeconds(Int("--paced", quick ? 5 : 20)),
            Rate = Text("--rate") is { } r ? double.Parse(r, CultureInfo.InvariantCulture) : null,
            // Several nodes share one database and a Redis: only PostgreSQL serves several nodes.
            Database = (Text("--database") ?? (Int("--nodes", 1) > 1 ? "postgres" : "sqlite")).ToLowerInvariant(),
            ConnectionString = Text("--connection-string"),
            VaultHost = (Text("--vault-host") ?? "factory").ToLowerInvariant(),
            Probe = !args.Contains("--no-probe"),
            ServerSettings = Texts("--server-setting").Select(s => s.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]),
            Nodes = Int("--nodes", 1),
            VaultUrls = (Text("--vault-url") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)).ToList(),
            AdminInvitation = Text("--admin-invitation"),
            VaultPids = (Text("--vault-pid") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList(),
            SetupParallelism = Int("--setup-parallelism", 4),
            Markdown = Text("--markdown"),
            MaxTime = TimeSpan.FromSeconds(Int("--max-seconds", 1800)),
        };
        return options;
    }

    /// <summary>Why these options cannot run, or null.</summary>
    public string? Problem()
    {
        if (Connections.Count == 0 || Connections.Any(c => c < GroupSize || c % GroupSize != 0))
        {
            return $"--connections: each count must be a multiple of {GroupSize}";
        }
        if (Database is not ("sqlite" or "postgres"))
        {
            return "--database: sqlite or postgres";
        }
        if (VaultHost is not ("factory" or "binary"))
        {
            return "--vault-host: factory or binary";
        }
        if (VaultUrls.Count > 0 && AdminInvitation is null)
        {
            return "--vault-url needs --admin-invitation (the code the server prints at its first start)";
        }
        if (Nodes < 1 || (Nodes > 1 && VaultUrls.Count > 0))
        {
            return "--nodes: at least 1, and not with --vault-url (the given URLs are the nodes)";
        }
        if (Nodes > 1 && Database != "postgres")
        {
            return $"--nodes {Nodes}: several nodes need PostgreSQL (the server refuses Vault:Cluster:Redis on SQLite): use --database postgres";
        }
        return Rounds < 1 ? "--rounds: at least 1" : null;
    }
}
