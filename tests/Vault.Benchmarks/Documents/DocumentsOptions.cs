using System.Globalization;

namespace Vault.Benchmarks.Documents;

/// <summary>The options of `documents`; <see cref="Usage"/> explains each.</summary>
public sealed record DocumentsOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Vault.Benchmarks -- documents [options]
          Document upload and download end to end (the SDK in a client process, the server's own binary in another),
          on the file store and on s3rver, next to the machine's limits measured in the same run; medians of --repeat.
          --quick                 smoke run (~2 min): 16 and 128 MiB, 1 repeat, 1 limit sample before and after, 256 MiB samples
          --sizes L               file sizes in MiB (default 64,1024); the memory target compares the largest with the smallest
          --stores L              fs, s3 or both (default fs,s3)
          --repeat N              measurements per store and size (default 3), each with a fresh server and client process
          --limit-samples N       samples of each machine limit before the transfers and again after them (default 3)
          --crypto-mib N          plaintext per crypto sample (default 512)
          --disk-mib N            bytes per disk sample (default 1024)
          --data DIR              where the servers, s3rver and the disk samples write (default: a new folder in the temp
                                  folder, removed after the run); the disk limit is measured in DIR/fs, the file store's data directory
          --baseline DIR          A/B: also measure another build (DIR = its tests/Vault.Benchmarks/bin/Release/net10.0: its
                                  server binary and its SDK client), alternating with this one, as store "NAME-baseline"
          --server-setting K=V    extra server configuration, repeatable (e.g. Vault:Documents:MaxPatchBytes=...)
          --perf DIR              profile: `perf record -g` on the server and the client during each transfer, into DIR
                                  (both run with DOTNET_PerfMapEnabled=1 so that perf names JIT-compiled methods)
          --markdown FILE         also write the header and the tables as Markdown (for docs/benchmarks.md)
          --max-seconds S         hard bound on the whole run (default 3600)
        exit code: 0 every transfer verified and no server error; 1 otherwise (or stopped); 2 bad options
        """;

    public IReadOnlyList<int> SizesMiB { get; init; } = [64, 1024];
    public IReadOnlyList<string> Stores { get; init; } = ["fs", "s3"];
    public int Repeat { get; init; } = 3;
    public int LimitSamples { get; init; } = 3;
    public int CryptoMiB { get; init; } = 512;
    public int DiskMiB { get; init; } = 1024;
    public string? Data { get; init; }
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();
    public string? Markdown { get; init; }
    public string? Perf { get; init; }
    public string? Baseline { get; init; }
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(3600);

    public static DocumentsOptions Parse(string[] args)
    {
        string? Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Text(name) is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : fallback;
        var quick = args.Contains("--quick");
        return new DocumentsOptions
        {
            SizesMiB = (Text("--sizes") ?? (quick ? "16,128" : "64,1024")).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToList(),
            Stores = (Text("--stores") ?? "fs,s3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => s.ToLowerInvariant()).Distinct().ToList(),
            Repeat = Int("--repeat", quick ? 1 : 3),
            LimitSamples = Int("--limit-samples", quick ? 1 : 3),
            CryptoMiB = Int("--crypto-mib", quick ? 256 : 512),
            DiskMiB = Int("--disk-mib", quick ? 256 : 1024),
            Data = Text("--data"),
            ServerSettings = args.Select((a, i) => (a, i)).Where(x => x.a == "--server-setting" && x.i + 1 < args.Length)
                .Select(x => args[x.i + 1].Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]),
            Markdown = Text("--markdown"),
            Perf = Text("--perf"),
            Baseline = Text("--baseline") is { } baseline ? Path.GetFullPath(baseline) : null,
            MaxTime = TimeSpan.FromSeconds(Int("--max-seconds", 3600)),
        };
    }

    /// <summary>Why these options cannot run, or null.</summary>
    public string? Problem() =>
        SizesMiB.Count == 0 || SizesMiB.Any(s => s < 1) ? "--sizes: sizes in MiB, at least 1"
        : Stores.Count == 0 || Stores.Any(s => s is not ("fs" or "s3")) ? "--stores: fs, s3 or fs,s3"
        : Repeat < 1 || LimitSamples < 1 ? "--repeat and --limit-samples: at least 1"
        : CryptoMiB < 8 || DiskMiB < 8 ? "--crypto-mib and --disk-mib: at least 8"
        : Baseline is { } b && !(File.Exists(Path.Combine(b, "Vault.Server.dll")) && File.Exists(Path.Combine(b, "Vault.Benchmarks.dll")))
            ? "--baseline: a build output folder with Vault.Server.dll and Vault.Benchmarks.dll (e.g. another checkout's tests/Vault.Benchmarks/bin/Release/net10.0)"
        : null;
}
