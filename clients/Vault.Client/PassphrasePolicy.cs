using System.Text;

namespace Vault.Client;

/// <summary>
/// The strength rule every client applies to a new passphrase (a new account, a passphrase change): at least
/// <see cref="MinimumLength"/> characters, at least <see cref="MinimumUnpredictable"/> of them not predictable from
/// the text before them. Predictable: the same character again, the next step of a run (abc, 321, qwerty, 7890), a
/// piece of 3 or more characters repeating earlier text, the username, or one of a handful of very common passwords
/// (each of those counts as one character). It is deliberately simple: it stops the obvious, it cannot tell a
/// famous quote from a private sentence; Argon2id makes each guess costly and length does the rest.
/// </summary>
public static class PassphrasePolicy
{
    public const int MinimumLength = 12;
    public const int MinimumUnpredictable = 8;

    /// <summary>The rule in words, for messages.</summary>
    public static readonly string Rule =
        $"at least {MinimumLength} characters, at least {MinimumUnpredictable} of them not predictable (repeats, runs like " +
        "abc, 123 or qwerty, your username and very common passwords do not count). A few unrelated words, " +
        "e.g. 'fiets lamp oranje wolk', are easy to remember and hard to guess";

    // Long enough to judge; beyond this, a passphrase that has not yet passed is judged on its start alone.
    private const int Analysed = 128;

    private static readonly string[] Common =
    [
        "password", "wachtwoord", "welkom", "welcome", "geheim", "secret", "letmein", "iloveyou", "admin",
        "qwerty", "azerty", "vault", "hallo", "hello", "voetbal", "football", "monkey", "dragon", "zomer", "summer",
    ];

    private static readonly string[] Rows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn"];

    /// <summary>Null when the passphrase meets the rule; otherwise what is wrong with it, in a short sentence.</summary>
    public static string? Weakness(string passphrase, string? username = null)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        // The KDF hashes the FormKC form: judge what is hashed, case-insensitively (capitals add little).
        var text = passphrase.Normalize(NormalizationForm.FormKC).EnumerateRunes()
            .Select(r => Rune.ToLowerInvariant(r).Value).ToArray();
        if (text.Length < MinimumLength)
        {
            return $"it has {text.Length} characters, fewer than {MinimumLength}";
        }
        var unpredictable = Unpredictable(text.AsSpan(0, Math.Min(text.Length, Analysed)), username);
        return unpredictable >= MinimumUnpredictable
            ? null
            : $"only {unpredictable} of its characters are not predictable, fewer than {MinimumUnpredictable}";
    }

    private static int Unpredictable(ReadOnlySpan<int> text, string? username)
    {
        var predictable = new bool[text.Length];
        var words = Common.Append(username?.Trim().ToLowerInvariant()).Where(w => w is { Length: >= 3 });
        foreach (var word in words)
        {
            var runes = word!.EnumerateRunes().Select(r => r.Value).ToArray();
            for (var at = text.IndexOf(runes); at >= 0;)
            {
                predictable.AsSpan(at + 1, runes.Length - 1).Fill(true); // the word counts as its first character
                var next = text[(at + 1)..].IndexOf(runes);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == text[i - 1] || IsStep(text[i - 1], text[i]))
            {
                predictable[i] = true;
            }
        }
        for (var i = 1; i < text.Length;)
        {
            var copied = LongestEarlierCopy(text, i);
            if (copied >= 3)
            {
                predictable.AsSpan(i + 1, copied - 1).Fill(true); // a copy counts as its first character
                i += copied;
            }
            else
            {
                i++;
            }
        }
        return predictable.Count(p => !p);
    }

    /// <summary>Adjacent letters or digits (either direction), or neighbours on a keyboard row.</summary>
    private static bool IsStep(int previous, int current)
    {
        var sameKind = (char.IsAsciiLetter((char)previous) && char.IsAsciiLetter((char)current))
                       || (char.IsAsciiDigit((char)previous) && char.IsAsciiDigit((char)current));
        if (previous < 128 && current < 128 && sameKind && Math.Abs(previous - current) == 1)
        {
            return true;
        }
        return previous < 128 && current < 128 && Rows.Any(row =>
        {
            var at = row.IndexOf((char)previous, StringComparison.Ordinal);
            return at >= 0 && ((at + 1 < row.Length && row[at + 1] == current) || (at > 0 && row[at - 1] == current));
        });
    }

    /// <summary>How many characters from <paramref name="start"/> on repeat text that began earlier (overlap allowed).</summary>
    private static int LongestEarlierCopy(ReadOnlySpan<int> text, int start)
    {
        var longest = 0;
        for (var from = 0; from < start; from++)
        {
            var length = 0;
            while (start + length < text.Length && text[from + length] == text[start + length])
            {
                length++;
            }
            longest = Math.Max(longest, length);
        }
        return longest;
    }
}
