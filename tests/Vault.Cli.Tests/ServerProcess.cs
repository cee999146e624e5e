using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Vault.Cli.Tests;

/// <summary>
/// The real server binary as the README starts it (embedded defaults, its own data directory), on a free port,
/// read from its standard output the way scripts do: the "Admin invitation: " line and the listening address.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    public string DataDirectory { get; private init; } = "";
    public string Url { get; private set; } = "";
    public string AdminInvitation { get; private set; } = "";

    private ServerProcess(Process process) => this.process = process;

    public static async Task<ServerProcess> StartAsync()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vault-cli-tests", Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "Vault.Server.dll"), "--urls", "http://127.0.0.1:0",
                     "--Vault:DataDirectory", dataDirectory, "--Vault:AllowInsecureHttp", "true",
                     "--Vault:Kdf:OpsLimit", "3", "--Vault:Kdf:MemLimitBytes", "8388608",
                 })
        {
            info.ArgumentList.Add(arg);
        }
        var server = new ServerProcess(Process.Start(info)!) { DataDirectory = dataDirectory };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // a failure bound, not a wait
        while (server.Url.Length == 0 || server.AdminInvitation.Length == 0)
        {
            var line = await server.process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("The server exited: " + await server.process.StandardError.ReadToEndAsync());
            if (line.StartsWith("Admin invitation: ", StringComparison.Ordinal))
            {
                server.AdminInvitation = line["Admin invitation: ".Length..].Trim();
            }
            else if (ListeningPattern().Match(line) is { Success: true } match)
            {
                server.Url = match.Groups[1].Value;
            }
        }
        _ = server.process.StandardOutput.ReadToEndAsync(); // keep draining so the server never blocks on a full pipe
        _ = server.process.StandardError.ReadToEndAsync();
        return server;
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

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();
}
