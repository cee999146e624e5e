using System.Diagnostics;
using System.Text.RegularExpressions;
using Vault.Client;

namespace Vault.Server.Tests;

/// <summary>
/// Another server node as its own process: the server binary from this test's output, started on a free port of
/// 127.0.0.1 with the settings given (an installation's data directory, database and Redis), read from its standard
/// output until it listens, killed when disposed. Its data belongs to whoever started the installation.
/// </summary>
public sealed partial class NodeProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> output = [];

    private NodeProcess(Process process) => this.process = process;

    public string Url { get; private set; } = "";

    public static async Task<NodeProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vault.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var (key, value) in settings)
        {
            info.ArgumentList.Add("--" + key);
            info.ArgumentList.Add(value);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var node = new NodeProcess(Process.Start(info)!);
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a failure bound, not a wait
        while (node.Url.Length == 0)
        {
            var line = await node.process.StandardOutput.ReadLineAsync(bound.Token)
                ?? throw new InvalidOperationException("The node exited: " + string.Join('\n', node.output)
                    + await node.process.StandardError.ReadToEndAsync());
            node.output.Add(line);
            if (ListeningPattern().Match(line) is { Success: true } match)
            {
                node.Url = match.Groups[1].Value;
            }
        }
        _ = node.process.StandardOutput.ReadToEndAsync(); // keep draining so the node never blocks on a full pipe
        _ = node.process.StandardError.ReadToEndAsync();
        return node;
    }

    /// <summary>The same signed-in user, talking to this node (tokens and keys are the installation's, not a node's).</summary>
    public VaultClient Client(VaultClient signedIn)
    {
        var client = new VaultClient(new HttpClient { BaseAddress = new Uri(Url) });
        client.Resume(signedIn.Session!);
        return client;
    }

    /// <summary>The most resident memory the process has used so far (VmHWM, Linux).</summary>
    public long PeakMemoryBytes => File.ReadLines($"/proc/{process.Id}/status")
        .Where(line => line.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024)
        .Single();

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
