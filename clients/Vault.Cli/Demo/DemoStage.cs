using System.Globalization;
using Vault.Client;

namespace Vault.Cli.Demo;

/// <summary>
/// What the demo prints and what it checks. Content (message text, channel and file names, file contents) is printed
/// in “curly quotes” and nowhere else: that is what the device encrypts and the server must never see, and the demo's
/// test looks for exactly those strings in the server's files and logs. Every expectation is counted; one that fails
/// makes the demo exit 1.
/// </summary>
internal sealed class DemoStage(TextWriter output, bool dutch)
{
    /// <summary>The demo's words in the language asked for (--lang, or the system's).</summary>
    public string T(string en, string nl) => dutch ? nl : en;

    private int step;
    private readonly List<string> failures = [];
    private int passed;

    /// <summary>Who could and could not open what: filled as the demo goes, printed at the end.</summary>
    public SortedDictionary<string, SortedDictionary<string, bool>> Sight { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Failures => failures;
    public int Passed => passed;

    public void Step(string title)
    {
        step++;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"── {step}. {title}"));
    }

    public void Note(string text) => output.WriteLine("   " + text);

    /// <summary>Content a person typed or chose, before their device encrypts it.</summary>
    public void Sends(DemoPerson who, string what, string content) => output.WriteLine($"   {who.Name} {what}: {Quote(content)}");

    /// <summary>Content a person's device decrypted (after verifying its signature).</summary>
    public void Decrypts(DemoPerson who, string what, string content) =>
        output.WriteLine($"   {who.Name} {T("decrypts", "ontsleutelt")} {what}: {Quote(content)}");

    public static string Quote(string content) => "“" + content + "”";

    public void Expect(bool holds, string what)
    {
        if (holds)
        {
            passed++;
            output.WriteLine("   ✓ " + what);
        }
        else
        {
            failures.Add(what);
            output.WriteLine("   ✗ " + T("EXPECTED BUT NOT SO: ", "VERWACHT, MAAR NIET ZO: ") + what);
        }
    }

    public void Saw(DemoPerson who, string what, bool could) =>
        (Sight.TryGetValue(who.Name, out var row) ? row : Sight[who.Name] = new(StringComparer.Ordinal))[what] = could;

    /// <summary>
    /// Runs something <paramref name="who"/> must not be able to do; the server's refusal (any 4xx problem) is the
    /// expected outcome, success is a failed expectation. Other errors (the server down) end the demo.
    /// <paramref name="en"/> follows "cannot", <paramref name="nl"/> follows "kan" and holds its own "niet".
    /// </summary>
    public async Task CannotAsync(DemoPerson who, string en, string nl, Func<Task> attempt, string? sight = null)
    {
        var what = T($"{who.Name} cannot {en}", $"{who.Name} kan {nl}");
        try
        {
            await attempt();
            Expect(false, what);
            if (sight is not null)
            {
                Saw(who, sight, true);
            }
        }
        catch (VaultApiException e) when (e.Status is >= 400 and < 500)
        {
            Expect(true, $"{what} ({T("the server answers", "de server antwoordt")} {e.Status} {e.ProblemType?.Split(':', '/')[^1]})");
            if (sight is not null)
            {
                Saw(who, sight, false);
            }
        }
    }

    /// <summary>The table of who could open what, then the count of expectations.</summary>
    public void Summary(bool stopped)
    {
        var columns = Sight.Values.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).ToList();
        if (columns.Count > 0)
        {
            Step(T("Who could open what (✓ decrypted on their device, ✗ refused by the server; - not tried)",
                "Wie kon wat openen (✓ ontsleuteld op het eigen apparaat, ✗ geweigerd door de server; - niet geprobeerd)"));
            var width = Math.Max(12, Sight.Keys.Max(k => k.Length));
            output.WriteLine("   " + "".PadRight(width) + "  " + string.Join("  ", columns));
            foreach (var (name, row) in Sight)
            {
                output.WriteLine("   " + name.PadRight(width) + "  " + string.Join("  ",
                    columns.Select(c => (row.TryGetValue(c, out var could) ? (could ? "✓" : "✗") : "-").PadRight(c.Length))));
            }
        }
        output.WriteLine();
        output.WriteLine(stopped
            ? T($"Demo STOPPED at step {step}: {passed} expectations held, {failures.Count} did not; the error follows.",
                $"Demo GESTOPT bij stap {step}: {passed} verwachtingen klopten, {failures.Count} niet; de fout volgt.")
            : failures.Count == 0
                ? T($"Demo complete: all {passed} expectations held.", $"Demo voltooid: alle {passed} verwachtingen klopten.")
                : T($"Demo FAILED: {failures.Count} of {passed + failures.Count} expectations did not hold:",
                    $"Demo MISLUKT: {failures.Count} van de {passed + failures.Count} verwachtingen klopten niet:"));
        foreach (var failure in failures)
        {
            output.WriteLine("  ✗ " + failure);
        }
    }
}
