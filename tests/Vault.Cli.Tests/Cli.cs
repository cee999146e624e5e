namespace Vault.Cli.Tests;

public sealed record CliResult(int Code, string Out, string Err);

/// <summary>Runs `vault` in process with its own streams and environment, as a script would see it.</summary>
internal static class Cli
{
    public const string Passphrase = "lange zin met spaties en cijfers 42";

    /// <param name="environment">VAULT_HOME is set from <paramref name="home"/>; nothing else unless given here.</param>
    /// <param name="prompt">A terminal's no-echo prompt; null: standard input is not a terminal.</param>
    /// <param name="progress">A terminal's progress bars; null: the output streams are not a terminal.</param>
    public static async Task<CliResult> RunAsync(string home, string[] args, IReadOnlyDictionary<string, string>? environment = null,
        TextReader? stdin = null, HttpMessageHandler? handler = null, Func<string, string?>? prompt = null, TextWriter? progress = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, stdin ?? new StringReader(""),
            name => name == "VAULT_HOME" ? home : environment?.GetValueOrDefault(name), handler, prompt, progress);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public static Dictionary<string, string> WithPassphrase(string passphrase = Passphrase) => new() { ["VAULT_PASSPHRASE"] = passphrase };
}

/// <summary>Counts requests and answers none: for commands that must be refused before anything reaches a server.</summary>
internal sealed class NoServer : HttpMessageHandler
{
    private int requests;
    public int Requests => requests;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        throw new HttpRequestException("There is no server in this test.");
    }
}
