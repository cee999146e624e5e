using System.Text.RegularExpressions;

namespace Vault.Server.Storage;

/// <summary>
/// Object keys are server-made ids, e.g. "documents/3f2a…": lowercase letters, digits and hyphens in segments joined by
/// "/". Anything else (.., absolute paths, empty segments) is a bug or an attack, never a path or an object name.
/// </summary>
internal static partial class BlobKey
{
    public static void Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Pattern().IsMatch(key))
        {
            throw new ArgumentException("Invalid blob key.", nameof(key));
        }
    }

    // \z, not $: "$" would also accept a key ending in a line feed.
    [GeneratedRegex(@"^[a-z0-9-]+(/[a-z0-9-]+)*\z")]
    private static partial Regex Pattern();
}
