using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// The real server binary as the README starts it (embedded defaults, its own data directory), on a free port,
/// read from its standard output the way scripts do: the "Admin invitation: " line and the listening address.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private Process process;
    public string DataDirectory { get; private init; } = "";
    public string Url { get; private set; } = "";
    public string AdminInvitation { get; private set; } = "";

    private ServerProcess(Process process) => this.process = process;

    /// <param name="settings">More configuration as command-line pairs, e.g. "--Vault:Documents:FamilyQuotaBytes", "1000".</param>
    public static async Task<ServerProcess> StartAsync(params string[] settings)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vault-cli-tests", Guid.NewGuid().ToString("N"));
        var server = new ServerProcess(Launch(dataDirectory, "http://127.0.0.1:0", settings: settings)) { DataDirectory = dataDirectory };
        await server.ReadStartupAsync(needInvitation: true);
        return server;
    }

    /// <summary>
    /// The server exactly as the README's run command starts it: every default (key derivation cost, rate limits), only
    /// its data directory and a free port chosen here.
    /// </summary>
    public static async Task<ServerProcess> StartAsInTheReadmeAsync()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vault-cli-tests", Guid.NewGuid().ToString("N"));
        var server = new ServerProcess(Launch(dataDirectory, "http://127.0.0.1:0", defaults: true)) { DataDirectory = dataDirectory };
        await server.ReadStartupAsync(needInvitation: true);
        return server;
    }

    /// <summary>The issuer the server announced at its first start (a restart keeps it, as an operator would).</summary>
    public string PublicUrl { get; private set; } = "";

    private static Process Launch(string dataDirectory, string urls, string? publicUrl = null, string[]? settings = null,
        bool defaults = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        string[] readme = [Path.Combine(AppContext.BaseDirectory, "Vault.Server.dll"), "--urls", urls, "--Vault:DataDirectory", dataDirectory];
        foreach (var arg in defaults ? readme : new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "Vault.Server.dll"), "--urls", urls,
                     "--Vault:DataDirectory", dataDirectory,
                     "--Vault:Kdf:OpsLimit", "3", "--Vault:Kdf:MemLimitBytes", "8388608",
                     // Every CLI run of a test logs in anew from 127.0.0.1: far above the anonymous limit of a real office.
                     "--Vault:RateLimits:AnonymousBurst", "100000", "--Vault:RateLimits:AnonymousPermitsPerMinute", "100000",
                     "--Vault:RateLimits:TokenBurst", "100000", "--Vault:RateLimits:TokenPermitsPerMinute", "100000",
                 }.Concat(publicUrl is null ? [] : ["--Vault:PublicUrl", publicUrl]).Concat(settings ?? []))
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }

    /// <summary>Reads standard output until the server listens (and, on first start, has printed the admin invitation).</summary>
    private async Task ReadStartupAsync(bool needInvitation)
    {
        var listening = false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a failure bound, not a wait
        while (!listening || (needInvitation && AdminInvitation.Length == 0))
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("The server exited: " + await process.StandardError.ReadToEndAsync());
            if (line.StartsWith("Admin invitation: ", StringComparison.Ordinal))
            {
                AdminInvitation = line["Admin invitation: ".Length..].Trim();
            }
            else if (IssuerPattern().Match(line) is { Success: true } issuer)
            {
                PublicUrl = issuer.Groups[1].Value;
            }
            else if (ListeningPattern().Match(line) is { Success: true } match)
            {
                Url = match.Groups[1].Value;
                listening = true;
            }
        }
        // Keep draining so the server never blocks on a full pipe, and keep what it logs for tests that read it.
        _ = KeepAsync(process.StandardOutput);
        _ = KeepAsync(process.StandardError);
    }

    private readonly System.Text.StringBuilder log = new();

    /// <summary>What the server wrote to standard output and error after it started, so far.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    private async Task KeepAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    [GeneratedRegex(@"Public URL \(issuer\): (\S+)")]
    private static partial Regex IssuerPattern();

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
