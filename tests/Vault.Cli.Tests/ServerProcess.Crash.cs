namespace Vault.Cli.Tests;

/// <summary>Crashing the real server binary and starting it again on the same data directory and address.</summary>
public sealed partial class ServerProcess
{
    /// <summary>kill -9: SIGKILL, no shutdown code runs (nothing flushed, no hosted service stopped). Returns the exit code.</summary>
    public async Task<int> KillAsync()
    {
        process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>
    /// After <see cref="KillAsync"/>: the same binary on the same data directory, URL and issuer (the first start had
    /// no fixed port, so its issuer is passed on: tokens issued before the crash stay valid), once it listens again.
    /// </summary>
    public async Task RestartAsync()
    {
        if (!process.HasExited)
        {
            throw new InvalidOperationException("The server is still running: kill it first.");
        }
        process.Dispose();
        process = Launch(DataDirectory, Url, PublicUrl);
        await ReadStartupAsync(needInvitation: false);
    }
}
