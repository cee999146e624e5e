using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vault.Server.Tests;

/// <summary>
/// A private Redis for tests that run several server nodes: Debian's redis-server (test.sh installs it) on a free
/// loopback port, nothing persisted, stopped when disposed.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process process;

    public RedisServer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed: ./test.sh installs it (apt-get install redis-server).", e);
        }
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a failure bound, not a wait
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining
                _ = process.StandardError.ReadToEndAsync();
                return;
            }
            bound.Token.ThrowIfCancellationRequested();
        }
        throw new InvalidOperationException("redis-server exited: " + process.StandardError.ReadToEnd());
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public void Dispose()
    {
        process.Kill();
        process.WaitForExit();
        process.Dispose();
    }
}
