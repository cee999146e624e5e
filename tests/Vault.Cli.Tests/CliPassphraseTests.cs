using Vault.Client;

namespace Vault.Cli.Tests;

/// <summary>
/// Where the passphrase may come from, and the strength rule for new ones, for what is decided before any request:
/// every refusal here must leave the server untouched (so an invitation code stays usable) and piped input unread.
/// </summary>
public sealed class CliPassphraseTests : IDisposable
{
    private readonly string home = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));
    private readonly NoServer server = new();

    public void Dispose()
    {
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("invite accept --server http://127.0.0.1:9 --code CODE --username moeder.bakker")]
    [InlineData("login --server http://127.0.0.1:9 --username moeder.bakker")]
    public async Task Passphrase_OnlyPipedInput_RefusedWithoutReadingIt(string command)
    {
        var piped = Cli.Passphrase + "\nHallo\n";
        var stdin = new StringReader(piped);
        var result = await Cli.RunAsync(home, command.Split(' '), stdin: stdin, handler: server);
        Assert.Equal(1, result.Code);
        Assert.Contains("Set VAULT_PASSPHRASE, or pass --passphrase-file PATH", result.Err, StringComparison.Ordinal);
        Assert.Contains("run the command in a terminal", result.Err, StringComparison.Ordinal);
        Assert.Equal(piped, await stdin.ReadToEndAsync()); // not a character of it read
        Assert.Equal(0, server.Requests);
        Assert.False(File.Exists(Path.Combine(home, "profile.json")));
    }

    [Theory]
    [InlineData("a", "1 characters, fewer than 12")]
    [InlineData("aaaaaaaaaaaaaaaa", "only 1 of its characters")]
    [InlineData("wachtwoord2026", "only 5 of its characters")]
    [InlineData("moeder.bakker!1", "only 3 of its characters")]
    public async Task InviteAccept_WeakPassphrase_RefusedBeforeAnythingIsSent(string passphrase, string why)
    {
        var result = await Cli.RunAsync(home, ["invite", "accept", "--server", "http://127.0.0.1:9", "--code", "CODE",
            "--username", "moeder.bakker"], Cli.WithPassphrase(passphrase), handler: server);
        Assert.Equal(1, result.Code);
        Assert.Contains("too easy to guess: ", result.Err, StringComparison.Ordinal);
        Assert.Contains(why, result.Err, StringComparison.Ordinal);
        Assert.Contains("at least 12 characters, at least 8 of them not predictable", result.Err, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        Assert.False(File.Exists(Path.Combine(home, "profile.json")));
    }

    [Fact]
    public async Task InviteAccept_PromptedPassphrasesDiffer_RefusedBeforeAnythingIsSent()
    {
        var typed = new Queue<string>([Cli.Passphrase, Cli.Passphrase + "!"]);
        var prompts = new List<string>();
        var result = await Cli.RunAsync(home, ["invite", "accept", "--server", "http://127.0.0.1:9", "--code", "CODE",
            "--username", "moeder.bakker"], handler: server, prompt: p => { prompts.Add(p); return typed.Dequeue(); });
        Assert.Equal(1, result.Code);
        Assert.Contains("differ", result.Err, StringComparison.Ordinal);
        Assert.Equal(["New passphrase: ", "Repeat the new passphrase: "], prompts);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task PassphraseFile_Missing_SaysWhichFile_Exits1()
    {
        var missing = Path.Combine(home, "no-such-file");
        var result = await Cli.RunAsync(home, ["login", "--server", "http://127.0.0.1:9", "--username", "admin",
            "--passphrase-file", missing], Cli.WithPassphrase(), handler: server);
        Assert.Equal(1, result.Code);
        Assert.Contains($"Cannot read the passphrase file {missing}", result.Err, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("kort1234567", null)]
    [InlineData("Zr8#kq2Lm!v", null)]
    [InlineData("aaaaaaaaaaaa", null)]
    [InlineData("abcabcabcabcabc", null)]
    [InlineData("kip7kip7kip7kip7", null)]
    [InlineData("zz99kk44xx77", null)]
    [InlineData("123456789012", null)]
    [InlineData("1111222233334444", null)]
    [InlineData("qwertyuiop12", null)]
    [InlineData("zxcvbnmasdfg", null)]
    [InlineData("Password1234", null)]
    [InlineData("Welkom2026!!", null)]
    [InlineData("moeder.bakker2026", "moeder.bakker")]
    public void Weakness_ObviousPassphrases_Named(string passphrase, string? username) =>
        Assert.NotNull(PassphrasePolicy.Weakness(passphrase, username));

    [Theory]
    [InlineData("lange zin met spaties en cijfers 42")]
    [InlineData("fiets lamp oranje wolk")]
    [InlineData("correct horse battery staple")]
    [InlineData("Zr8#kq2Lm!vT")]
    public void Weakness_LongOrVariedPassphrases_None(string passphrase) =>
        Assert.Null(PassphrasePolicy.Weakness(passphrase, "moeder.bakker"));
}
