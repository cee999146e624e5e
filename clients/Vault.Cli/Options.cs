namespace Vault.Cli;

/// <summary>"--name value" pairs, value-less switches (<see cref="Switches"/>) and bare words, in order.</summary>
internal sealed class Options(Dictionary<string, string> values)
{
    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal) { "history", "mark-read" };

    public static Options Parse(string[] args, out List<string> words)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        words = [];
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && Switches.Contains(args[i][2..]))
            {
                values[args[i][2..]] = "true";
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                words.Add(args[i]);
            }
        }
        return new Options(values);
    }

    public string? Get(string name) => values.GetValueOrDefault(name);
    public bool Has(string name) => values.ContainsKey(name);
    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required.");
}
