using System.CommandLine;

namespace Vault.Cli;

/// <summary>A command that does something (not a group such as `family`), with examples for its --help.</summary>
internal sealed class Verb : Command
{
    public Verb(string name, string description, params string[] examples) : base(name, description) => Examples = examples;

    public IReadOnlyList<string> Examples { get; }

    public Verb Does(Func<ParseResult, Task<int>> action)
    {
        SetAction((result, _) => action(result));
        return this;
    }
}
