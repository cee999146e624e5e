using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Vault.Cli;

/// <summary>
/// How the CLI prints: tables with headers (Spectre.Console), JSON for scripts, and the two languages. Tables never carry
/// colour or escape codes, so what a terminal shows is what a file or pipe receives.
/// </summary>
internal static class Output
{
    /// <summary>
    /// Redirected output (a file, a pipe, a test) is never wrapped: one row stays one line for grep and scripts, so the
    /// width is only a bound no table of the CLI's reaches.
    /// </summary>
    private const int RedirectedWidth = 400;

    /// <summary>The documented JSON shape: System.Text.Json web defaults (camelCase), one document per command.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>For `listen --json`: one object per line (JSON Lines).</summary>
    public static readonly JsonSerializerOptions JsonLine = new(JsonSerializerDefaults.Web);

    /// <summary>POSIX order: LC_ALL overrides LC_MESSAGES, which overrides LANG.</summary>
    private static readonly string[] LocaleVariables = ["LC_ALL", "LC_MESSAGES", "LANG"];

    /// <summary>
    /// The system's language when --lang is not given: Dutch for a Dutch UI culture or, since the CLI runs with invariant
    /// globalization (where the UI culture is always the invariant one), a Dutch POSIX locale (LC_ALL, else LC_MESSAGES,
    /// else LANG, e.g. nl_NL.UTF-8); else English.
    /// </summary>
    public static string DefaultLanguage(Func<string, string?> env)
    {
        if (CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "nl")
        {
            return "nl";
        }
        var locale = LocaleVariables.Select(env).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        return locale is not null && (locale == "nl" || locale.StartsWith("nl_", StringComparison.Ordinal)
            || locale.StartsWith("nl-", StringComparison.Ordinal) || locale.StartsWith("nl.", StringComparison.Ordinal)) ? "nl" : "en";
    }

    /// <summary>A table with a header row; no rows prints nothing (the caller says why on standard error when it helps).</summary>
    public static void Table(TextWriter writer, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table { Border = TableBorder.None, ShowHeaders = true };
        for (var i = 0; i < headers.Count; i++)
        {
            // Two spaces between columns, none before the first: a row starts with its first value (ids, for scripts).
            table.AddColumn(new TableColumn(new Text(headers[i])) { Padding = new Padding(0, 0, i == headers.Count - 1 ? 0 : 2, 0) });
        }
        var any = false;
        foreach (var row in rows)
        {
            // Text, never markup: names and descriptions come from other members and may hold [brackets].
            table.AddRow(row.Select(cell => new Text(Safe(cell))).ToArray());
            any = true;
        }
        if (!any)
        {
            return;
        }
        var rendered = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(rendered), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Width(writer);
        console.Write(table);
        foreach (var line in rendered.ToString().Split('\n'))
        {
            if (line.TrimEnd().Length > 0)
            {
                writer.WriteLine(line.TrimEnd()); // no trailing padding: a last column ends where its value does
            }
        }
    }

    public static void WriteJson<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Names, texts and descriptions come from other members: control characters must not reach the terminal.</summary>
    public static string Safe(string text) => string.Concat(text.Select(ch => char.IsControl(ch) ? '?' : ch));

    private static int Width(TextWriter writer)
    {
        if (ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected)
        {
            try
            {
                return Math.Max(Console.WindowWidth, 80);
            }
            catch (IOException)
            {
                return RedirectedWidth;
            }
        }
        return RedirectedWidth;
    }
}

/// <summary>The language of what the CLI prints (--lang), and the helpers the commands print through.</summary>
internal sealed partial class Context
{
    /// <summary>nl or en; set from --lang (default: the system's language) before the command runs.</summary>
    public string Lang { get; set; } = "en";

    /// <summary>The language when --lang is not given (<see cref="Output.DefaultLanguage"/>).</summary>
    public string SystemLanguage => Output.DefaultLanguage(env);

    private string Say(string en, string nl) => Lang == "nl" ? nl : en;

    /// <summary>"1 message", "2 messages": the noun agrees with the number in both languages.</summary>
    private string Count(long n, string oneEn, string manyEn, string oneNl, string manyNl) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? Say(oneEn, oneNl) : Say(manyEn, manyNl));

    private void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) => Output.Table(stdout, headers, rows);

    private void WriteJson<T>(T value) => Output.WriteJson(stdout, value);

    private static string Safe(string text) => Output.Safe(text);

    private static string OnDay(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string AtMinute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
