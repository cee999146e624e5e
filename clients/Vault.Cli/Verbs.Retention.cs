using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault privacy retention`: a verb for the privacy officer's `privacy` group (Verbs.Privacy.cs).</summary>
internal static partial class Verbs
{
    public static Verb PrivacyRetention(Context c)
    {
        var (family, json) = (Opt.Family(), Opt.Json());
        return new Verb("retention",
            "Privacy officer: a family's retention clocks (content, per document category, channels, audit), the day each runs " +
            "out, its legal hold, and what retention rounds purged. Never content.",
            $"vault privacy retention --family {SomeId}", $"vault privacy retention --family {SomeId} --json")
        {
            family, json,
        }.Does(r => c.PrivacyRetention(r.Must(family), r.GetValue(json)));
    }

}
