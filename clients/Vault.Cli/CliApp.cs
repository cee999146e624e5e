using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Security.Cryptography;
using Vault.Client;

namespace Vault.Cli;

/// <summary>
/// The `vault` command: System.CommandLine parses, <see cref="Context"/> does the work. The passphrase never comes from
/// an argument (process lists, shell history) nor from piped standard input (which carries message text): it comes
/// from VAULT_PASSPHRASE, --passphrase-file, or a prompt without echo when standard input is a terminal.
/// </summary>
public static class CliApp
{
    // No @file expansion: a message such as "--text @moeder" must stay text, never become a file's contents.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <param name="promptSecret">
    /// Reads a line typed at the terminal without echo, after showing the prompt it is given; null when standard
    /// input is not a terminal (then no passphrase is ever read from it).
    /// </param>
    /// <param name="progress">Where transfers draw a progress bar (a terminal a person watches); null: nowhere.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        Func<string, string?> env, HttpMessageHandler? handler = null, Func<string, string?>? promptSecret = null,
        TextWriter? progress = null)
    {
        var home = env("VAULT_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vault");
        Context For(Profiles p) => new(p.Home, stdout, stderr, stdin, env, handler, promptSecret, progress) { Profiles = p };
        var context = For(Profiles.Select(home, null));
        var root = Verbs.Root(context);
        var result = root.Parse(args, Parsing);
        // --profile, else VAULT_PROFILE, picks the profile the context works in: the tree is built again around it.
        var named = (result.Errors.Count == 0 ? result.GetValue<string>(Profiles.OptionName) : null) ?? env(Profiles.Variable);
        if (named is not null)
        {
            try
            {
                context = For(Profiles.Select(home, named));
            }
            catch (CliException e)
            {
                return Fail(stderr, e.Message, e.Hint, e.ExitCode);
            }
            root = Verbs.Root(context);
            result = root.Parse(args, Parsing);
        }
        context.Lang = result.Errors.Count == 0 && result.GetValue<string>(Verbs.LanguageOption) is { } lang ? lang : context.SystemLanguage;
        var invocation = new InvocationConfiguration
        {
            Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
        };
        if (root.Directives.OfType<SuggestDirective>().Any(d => result.GetResult(d) is not null))
        {
            return await result.InvokeAsync(invocation); // tab completion: candidates even for a line still incomplete
        }
        if (result.Action is HelpAction)
        {
            await result.InvokeAsync(invocation);
            WriteExamples(result.CommandResult.Command, stdout);
            return ExitCodes.Ok;
        }
        if (result.Errors.Count > 0)
        {
            return Usage(result, stderr);
        }
        try
        {
            if (Context.NeedsNames(args))
            {
                result = Verbs.Root(context).Parse(await context.ResolveNamesAsync(args), Parsing);
                if (result.Errors.Count > 0)
                {
                    return Usage(result, stderr);
                }
            }
            return await result.InvokeAsync(invocation);
        }
        catch (CliException e)
        {
            return Fail(stderr, e.Message, e.Hint, e.ExitCode);
        }
        catch (VaultApiException e)
        {
            return Fail(stderr, ServerSaid(e), Hints.For(e.ProblemType, PathOf(result.CommandResult), context.Needs),
                ExitCodes.Failed);
        }
        catch (HttpRequestException e)
        {
            return Fail(stderr, $"Cannot reach the server: {e.Message}",
                "Check the address (--server, or the one stored in VAULT_HOME) and that the server is running.", ExitCodes.Failed);
        }
        catch (CryptographicException e)
        {
            return Fail(stderr, $"Verification failed: {e.Message}",
                "Something the server sent does not check out. Do not trust it; tell the server's administrator.", ExitCodes.VerificationFailed);
        }
        catch (InvalidOperationException e)
        {
            return Fail(stderr, e.Message, null, ExitCodes.Failed);
        }
    }

    /// <summary>Title, detail and the stable problem type: the detail is what tells the user what exactly was wrong.</summary>
    private static string ServerSaid(VaultApiException e)
    {
        var title = e.Title ?? $"The server refused the request (HTTP {e.Status.ToString(CultureInfo.InvariantCulture)}).";
        var detail = string.IsNullOrWhiteSpace(e.Detail) ? "" : " " + e.Detail;
        var type = e.ProblemType is null ? "" : $" ({e.ProblemType})";
        return title + detail + type;
    }

    /// <summary>
    /// A wrong command line: a group without (or with an unknown) command shows its commands; a verb shows what is
    /// wrong and how to get its help. Exit 2 either way, nothing done.
    /// </summary>
    private static int Usage(ParseResult result, TextWriter stderr)
    {
        var command = result.CommandResult.Command;
        var path = PathOf(result.CommandResult);
        if (command is not Verb)
        {
            foreach (var token in result.UnmatchedTokens)
            {
                stderr.WriteLine($"error: '{token}' is not a command of `{path}`.");
            }
            stderr.WriteLine($"usage: {path} <command> [options]; `{path} <command> --help` shows a command's options and examples.");
            stderr.WriteLine();
            result.RootCommandResult.Command.Parse([.. path.Split(' ').Skip(1), "--help"], Parsing)
                .Invoke(new InvocationConfiguration { Output = stderr });
            return ExitCodes.Usage;
        }
        foreach (var error in result.Errors.Select(e => e.Message).Distinct())
        {
            stderr.WriteLine($"error: {error}");
        }
        stderr.WriteLine($"usage: {path} [options]; `{path} --help` shows its options and examples.");
        return ExitCodes.Usage;
    }

    private static void WriteExamples(Command command, TextWriter stdout)
    {
        if (command is Verb { Examples.Count: > 0 } verb)
        {
            stdout.WriteLine("Examples:");
            foreach (var example in verb.Examples)
            {
                stdout.WriteLine("  " + example);
            }
            stdout.WriteLine();
        }
    }

    private static string PathOf(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? at = command; at is CommandResult c; at = c.Parent)
        {
            names.Insert(0, c.Command is RootCommand ? "vault" : c.Command.Name);
        }
        return string.Join(' ', names);
    }

    private static int Fail(TextWriter stderr, string message, string? hint, int code)
    {
        stderr.WriteLine("error: " + message);
        if (hint is not null)
        {
            stderr.WriteLine("hint: " + hint);
        }
        return code;
    }
}
