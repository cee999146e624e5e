using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vault.Benchmarks.Documents;

/// <summary>
/// s3rver (tests/s3rver, `npm ci --prefix tests/s3rver`) for one run, as the tests use it: node directly (no npx parent
/// left behind), loopback, a port it picks, --silent (its request log halves its speed), its own directory and a bucket
/// of its own. exit-with-parent.js ends it when this program's end closes its stdin, even after a crash.
/// </summary>
public sealed partial class PrivateS3rver : IAsyncDisposable
{
    private readonly Process process;

    private PrivateS3rver(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }
    public string Bucket { get; } = "vault-bench-" + Guid.NewGuid().ToString("N")[..16];
    public int Pid => process.Id;

    /// <summary>The Vault server's configuration for this store.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["Vault:Storage:Provider"] = "s3",
        ["Vault:Storage:S3:Endpoint"] = "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture),
        ["Vault:Storage:S3:Bucket"] = Bucket,
        ["Vault:Storage:S3:AccessKey"] = "S3RVER",
        ["Vault:Storage:S3:SecretKey"] = "S3RVER",
        ["Vault:Storage:S3:UseSsl"] = "false",
    };

    public static async Task<PrivateS3rver> StartAsync(string directory, CancellationToken ct)
    {
        var root = RepositoryFolder("tests/s3rver");
        var script = Path.Combine(root, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"s3rver is not installed ({script} is missing): run `npm ci --prefix tests/s3rver` in the repository.");
        }
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "--require", Path.Combine(root, "exit-with-parent.js"), script, "-d", directory, "-a", "127.0.0.1", "-p", "0", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node (apt-get install nodejs npm)");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            // s3rver prints this line (even with --silent) once it accepts connections.
            while (await process.StandardOutput.ReadLineAsync(bound.Token) is { } line)
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None); // keep draining
                    return new PrivateS3rver(process, int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(CancellationToken.None);
        var message = $"s3rver did not start (exit code {process.ExitCode}): {await errors}";
        process.Dispose();
        throw new InvalidOperationException(message);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    /// <summary>A folder of the checkout this program was built from (found upwards from its output folder).</summary>
    private static string RepositoryFolder(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }
        throw new InvalidOperationException("Vault.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"S3rver listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
