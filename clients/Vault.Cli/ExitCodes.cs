namespace Vault.Cli;

/// <summary>Exit codes, documented in the README and stable: scripts branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The server refused, or the CLI could not do it (no passphrase, no profile, unreachable server).</summary>
    public const int Failed = 1;
    /// <summary>The command line itself is wrong: unknown command, missing or malformed option.</summary>
    public const int Usage = 2;
    /// <summary>A signature, key or audit-log check failed: something was tampered with.</summary>
    public const int VerificationFailed = 3;
}

/// <summary>A failure the CLI explains itself (the message or the hint says what to do next); no stack trace.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failed, string? hint = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
    public string? Hint { get; } = hint;
}
