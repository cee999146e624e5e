using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vault.Server.Tests;

/// <summary>
/// A private S3 for tests: s3rver (npm, tests/s3rver; ./test.sh installs it) on a loopback port with its own directory
/// and bucket name, so instances never see each other's objects. It can be stopped and started again on the same port
/// and directory (outages); disposing it kills it. s3rver ignores signatures and mangles listing and ranged gets
/// (shared/FACTS.md): nothing here depends on them.
/// </summary>
public sealed partial class S3Server : IDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30); // a failure bound, not a wait
    private Process? process;

    public S3Server()
    {
        Directory.CreateDirectory(DataDirectory);
        Launch(); // port 0: s3rver picks a free one and says which
    }

    /// <summary>Unique to this instance (S3 bucket names: lowercase, at most 63 characters).</summary>
    public string Bucket { get; } = "vault-" + Guid.NewGuid().ToString("N")[..20];

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "vault-tests", "s3rver-" + Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Configuration for a Vault server (merge into VaultServer.Settings) or <see cref="Storage.StorageModule.CreateStore"/>.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["Vault:Storage:Provider"] = "s3",
        ["Vault:Storage:S3:Endpoint"] = Endpoint,
        ["Vault:Storage:S3:Bucket"] = Bucket,
        ["Vault:Storage:S3:AccessKey"] = "S3RVER",
        ["Vault:Storage:S3:SecretKey"] = "S3RVER",
        ["Vault:Storage:S3:UseSsl"] = "false",
    };

    /// <summary>Starts it again after <see cref="StopAsync"/>, on the same port and directory.</summary>
    public Task StartAsync() => Task.Run(Launch);

    /// <summary>Kills it (an outage: connections refused); its objects stay in its directory.</summary>
    public async Task StopAsync()
    {
        var running = process ?? throw new InvalidOperationException("s3rver is not running.");
        process = null;
        running.Kill(entireProcessTree: true);
        await running.WaitForExitAsync();
        running.Dispose();
    }

    public void Dispose()
    {
        if (process is { } running)
        {
            process = null;
            running.Kill(entireProcessTree: true);
            running.WaitForExit();
            running.Dispose();
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

    private void Launch()
    {
        if (process is not null)
        {
            throw new InvalidOperationException("s3rver is already running.");
        }
        var directory = Path.Combine(RepositoryRoot(), "tests", "s3rver");
        var script = Path.Combine(directory, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"s3rver is not installed ({script} is missing): run ./test.sh, or `npm ci --prefix tests/s3rver` in the repository.");
        }
        // stdin stays an open pipe from this process: exit-with-parent.js ends s3rver when it closes (a crashed test run).
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "--require", Path.Combine(directory, "exit-with-parent.js"), script, "-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "--silent" })
        {
            info.ArgumentList.Add(arg);
        }
        Process started;
        try
        {
            started = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is not installed: s3rver needs Node.js (apt-get install nodejs npm).", e);
        }
        var errors = started.StandardError.ReadToEndAsync();
        // s3rver prints this line (even with --silent) once it accepts connections: the real signal of readiness.
        using (new Timer(_ => Kill(started), null, StartBound, Timeout.InfiniteTimeSpan))
        {
            while (started.StandardOutput.ReadLine() is { } line)
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    Port = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
                    _ = started.StandardOutput.ReadToEndAsync(); // keep draining
                    process = started;
                    return;
                }
            }
        }
        started.WaitForExit();
        var message = $"s3rver did not start on 127.0.0.1:{Port} (exit code {started.ExitCode}): {errors.GetAwaiter().GetResult()}";
        started.Dispose();
        throw new InvalidOperationException(message);
    }

    private static void Kill(Process started)
    {
        try
        {
            started.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // exited already
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Vault.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"S3rver listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
