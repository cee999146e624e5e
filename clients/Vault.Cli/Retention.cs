using Vault.Contracts.Retention;

namespace Vault.Cli;

/// <summary>`vault privacy retention --family ID [--json]`: a family's retention clocks, its legal hold and what was purged.</summary>
internal sealed partial class Context
{
    public async Task<int> PrivacyRetention(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        var state = await client.GetRetentionAsync(familyId);
        if (json)
        {
            WriteJson(state);
            return 0;
        }
        stdout.WriteLine($"Family {state.FamilyId}: traject {state.TrajectStatus}" +
            (state.EndedOn is { } ended ? $", ended {ended:yyyy-MM-dd}." : ", not ended: the content clocks have not started."));
        if (state.Erasing)
        {
            stdout.WriteLine("Being erased.");
        }
        if (state.LegalHold is { } hold)
        {
            stdout.WriteLine($"Legal hold: {Safe(hold.Ground ?? "(no ground recorded)")}, " +
                (hold.Until is { } until ? $"until {until:yyyy-MM-dd}" : "without end") + (hold.InForce ? " (in force)." : " (ended)."));
        }
        Table([Say("CLOCK", "TERMIJN"), Say("PART", "ONDERDEEL"), Say("YEARS", "JAREN"), Say("RUNS OUT", "LOOPT AF"), Say("STATUS", "STATUS")],
            state.Clocks.Select(clock => new[]
            {
                clock.Clock, clock.Part, clock.Years.ToString(System.Globalization.CultureInfo.InvariantCulture),
                clock.RunsOutOn?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "-", clock.Status,
            }));
        stdout.WriteLine(state.Purged.Count == 0 ? "Nothing purged by retention yet." : "Purged by retention rounds:");
        foreach (var purge in state.Purged)
        {
            stdout.WriteLine($"  {purge.At:yyyy-MM-dd HH:mm} UTC  {purge.Clock} {purge.Part}: {purge.Count}");
        }
        return 0;
    }
}
