using System.Text;

namespace Vault.Cli;

/// <summary>A passphrase typed at the terminal: keys are read without echo, so it never shows on screen.</summary>
internal static class Terminal
{
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
