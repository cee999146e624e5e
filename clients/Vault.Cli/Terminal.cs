using System.Text;

namespace Vault.Cli;

/// <summary>
/// What only a person at a terminal gets: a passphrase typed without echo, so it never shows on screen, and progress
/// bars on standard error.
/// </summary>
internal static class Terminal
{
    /// <summary>Standard error when both output streams are a terminal; null when either goes to a file or a pipe.</summary>
    public static TextWriter? ProgressWriter() => Console.IsOutputRedirected || Console.IsErrorRedirected ? null : Console.Error;

    /// <summary>The line typed after <paramref name="prompt"/> (on standard error); null when Escape abandons it.</summary>
    public static string? ReadSecret(string prompt)
    {
        Console.Error.Write(prompt);
        var typed = new StringBuilder();
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        return typed.ToString();
                    case ConsoleKey.Escape:
                        return null;
                    case ConsoleKey.Backspace when typed.Length > 0:
                        typed.Length--;
                        break;
                    default:
                        if (!char.IsControl(key.KeyChar))
                        {
                            typed.Append(key.KeyChar);
                        }
                        break;
                }
            }
        }
        finally
        {
            Console.Error.WriteLine();
        }
    }
}
