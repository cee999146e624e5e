using Vault.Client;

namespace Vault.Cli;

/// <summary>
/// Where a passphrase comes from, in this order: the file an option names (its first line), an environment variable,
/// a prompt without echo when standard input is a terminal. Never piped standard input: that stream carries message
/// text, and a passphrase read from it once ended up sent as a message.
/// </summary>
internal sealed partial class Context
{
    private string Passphrase(string? file) =>
        Given(file, "VAULT_PASSPHRASE") ?? Prompt("Passphrase: ")
        ?? throw new CliException(NoPassphrase("VAULT_PASSPHRASE", "--passphrase-file"));

    /// <summary>A passphrase being chosen: typed twice at a prompt, and held to <see cref="PassphrasePolicy"/>.</summary>
    private string NewPassphrase(string? file, string variable, string option, string username)
    {
        var passphrase = Given(file, variable) ?? NewFromPrompt() ?? throw new CliException(NoPassphrase(variable, option));
        if (PassphrasePolicy.Weakness(passphrase, username) is { } weakness)
        {
            throw new CliException($"That passphrase is too easy to guess: {weakness}. Nothing was sent. " +
                $"Choose one with {PassphrasePolicy.Rule}.");
        }
        return passphrase;
    }

    private string? NewFromPrompt()
    {
        if (Prompt("New passphrase: ") is not { } first)
        {
            return null;
        }
        return Prompt("Repeat the new passphrase: ") == first
            ? first
            : throw new CliException("The two passphrases typed differ: nothing was changed. Run the command again.");
    }

    private string? Given(string? file, string variable) =>
        file is not null ? FirstLineOf(file) : env(variable) is { Length: > 0 } value ? value : null;

    private string? Prompt(string prompt) => promptSecret?.Invoke(prompt) is { Length: > 0 } typed ? typed : null;

    private static string FirstLineOf(string path)
    {
        string? line;
        try
        {
            using var reader = new StreamReader(path);
            line = reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read the passphrase file {path}: {e.Message}");
        }
        return line is { Length: > 0 } ? line : throw new CliException($"The passphrase file {path} is empty: put the passphrase on its first line.");
    }

    private string NoPassphrase(string variable, string option) =>
        $"No passphrase given. It is never read from piped input (that carries message text) nor from an argument. " +
        $"Set {variable}, or pass {option} PATH (a file readable only by you, the passphrase on its first line)" +
        (promptSecret is null ? ", or run the command in a terminal to be asked for it." : ".");
}
