using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using OtpNet;

namespace Vault.Cli.Tests;

/// <summary>
/// README's "A family, step by step", run as written: every line of the block between the walkthrough markers, each
/// `vault` command as the real CLI binary in its own process (working directory, environment, standard input as a
/// shell gives them) against the server as the README starts it. Two things are the test's own, as the README says:
/// SERVER and ADMIN_CODE take the test server's values, and `--totp 123456` becomes the code the account's
/// authenticator app would show. The shell here understands what the block uses and refuses anything else, so a new
/// kind of line fails loudly instead of being skipped.
/// </summary>
public sealed partial class ReadmeWalkthroughTests : IAsyncLifetime
{
    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-readme", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> variables = [];
    private readonly Dictionary<string, string> totpSecrets = [];

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsInTheReadmeAsync();
        Directory.CreateDirectory(root);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task ReadmeWalkthrough_RunAsWritten_EveryCommandSucceeds()
    {
        var lines = Walkthrough();
        Assert.True(lines.Count(l => l.StartsWith("vault ", StringComparison.Ordinal) || l.Contains("| vault ", StringComparison.Ordinal)
            || l.Contains("$(vault ", StringComparison.Ordinal)) >= 20, "the walkthrough block was not found or lost its commands");
        var transcript = new StringBuilder();
        foreach (var line in lines)
        {
            transcript.AppendLine("$ " + line);
            var output = await RunLineAsync(line);
            transcript.Append(output);
        }
        var text = transcript.ToString();
        // What the walkthrough promises its reader, seen in what the commands printed:
        Assert.Contains("Welkom! Dinsdag om tien uur bij ons thuis?", text);
        Assert.Contains("Dinsdag om tien uur komen we graag.", text);
        Assert.Contains("verslag-week-1.txt", text);
        Assert.Contains("Audit log verified", text);
        Assert.Contains("Export verified", text);
        Assert.True(File.Exists(Path.Combine(root, "vault-walkthrough", "export", "samenvatting.txt")), text);
    }

    /// <summary>The lines of the walkthrough block, without blank lines, comments and the code fence.</summary>
    private static List<string> Walkthrough()
    {
        var block = Repository.Walkthrough();
        Assert.True(block.Length > 0, "README.md has no walkthrough block");
        return block.Split('\n').Select(l => StripComment(l).Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("```", StringComparison.Ordinal)).ToList();
    }

    private async Task<string> RunLineAsync(string line)
    {
        if (AssignmentOfCommand().Match(line) is { Success: true } captured)
        {
            var (output, errors) = await VaultAsync(Words(captured.Groups[2].Value), null, line);
            variables[captured.Groups[1].Value] = output.Trim(); // $(...) takes standard output only, as a shell does
            return output + errors;
        }
        if (Assignment().Match(line) is { Success: true } assignment)
        {
            var name = assignment.Groups[2].Value;
            variables[name] = name switch
            {
                "SERVER" => server.Url,
                "ADMIN_CODE" => server.AdminInvitation,
                _ => Words(assignment.Groups[3].Value).Single(),
            };
            return "";
        }
        if (EchoInto().Match(line) is { Success: true } echoFile)
        {
            await File.WriteAllTextAsync(Path.Combine(root, Words(echoFile.Groups[2].Value).Single()), Words(echoFile.Groups[1].Value).Single() + "\n");
            return "";
        }
        if (EchoPipe().Match(line) is { Success: true } pipe)
        {
            var (output, errors) = await VaultAsync(Words(pipe.Groups[2].Value), Words(pipe.Groups[1].Value).Single() + "\n", line);
            return output + errors;
        }
        if (line.StartsWith("vault ", StringComparison.Ordinal))
        {
            var (output, errors) = await VaultAsync(Words(line[6..]), null, line);
            return output + errors;
        }
        throw new InvalidOperationException($"The walkthrough has a line this test cannot run: {line}");
    }

    /// <summary>The real `vault` binary with this shell's VAULT_HOME and the test passphrase, in the walkthrough's directory.</summary>
    private async Task<(string Output, string Errors)> VaultAsync(List<string> args, string? stdin, string line)
    {
        var home = variables.GetValueOrDefault("VAULT_HOME") ?? throw new InvalidOperationException("VAULT_HOME is not set before: " + line);
        var totp = args.IndexOf("--totp");
        if (totp >= 0 && args[totp + 1] == "123456")
        {
            args[totp + 1] = new Totp(Base32Encoding.ToBytes(totpSecrets[home])).ComputeTotp();
        }
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vault.dll"));
        args.ForEach(info.ArgumentList.Add);
        info.Environment["VAULT_HOME"] = home;
        info.Environment["VAULT_PASSPHRASE"] = Cli.Passphrase;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var (output, errors) = (await stdout, await stderr);
        Assert.True(process.ExitCode == 0, $"`{line}` exited {process.ExitCode}:\n{output}\n{errors}");
        if (Regex.Match(output, "secret=([A-Z2-7]+)") is { Success: true } secret)
        {
            totpSecrets[home] = secret.Groups[1].Value;
        }
        return (output, errors);
    }

    /// <summary>Shell words: "double" and 'single' quotes, $NAME inside double quotes and bare, ~ at a word's start.</summary>
    private List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                continue;
            }
            if (!inWord && ch == '~' && (i + 1 == text.Length || text[i + 1] == '/'))
            {
                word.Append(root);
                inWord = true;
                continue;
            }
            inWord = true;
            if (ch == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (ch == '"')
            {
                var end = text.IndexOf('"', i + 1);
                word.Append(Expand(text[(i + 1)..end]));
                i = end;
            }
            else if (ch == '$' && Variable().Match(text, i + 1) is { Success: true, Index: var at } name && at == i + 1)
            {
                word.Append(variables.TryGetValue(name.Value, out var value) ? value : throw new InvalidOperationException($"${name.Value} is not set"));
                i += name.Length;
            }
            else
            {
                word.Append(ch);
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    private string Expand(string quoted) => DollarVariable().Replace(quoted, m =>
        variables.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"{m.Value} is not set"));

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            if (quote != '\0')
            {
                quote = line[i] == quote ? '\0' : quote;
            }
            else if (line[i] is '"' or '\'')
            {
                quote = line[i];
            }
            else if (line[i] == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }
        return line;
    }

    [GeneratedRegex(@"^([A-Z_]+)=\$\(vault (.*)\)$")]
    private static partial Regex AssignmentOfCommand();

    [GeneratedRegex(@"^(export )?([A-Z_]+)=(\S+)$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^echo (.+) > (\S+)$")]
    private static partial Regex EchoInto();

    [GeneratedRegex(@"^echo (.+) \| vault (.+)$")]
    private static partial Regex EchoPipe();

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex DollarVariable();
}
