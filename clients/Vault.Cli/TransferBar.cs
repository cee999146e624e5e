using System.Globalization;
using Vault.Client;

namespace Vault.Cli;

/// <summary>
/// One line redrawn in place while a transfer runs: a bar, how much of how much, the speed and the time left. Only for
/// a person at a terminal (<see cref="Terminal.ProgressWriter"/>), never with --json: scripts get nothing of it. The
/// SDK reports on its own thread, one transfer at a time, so no locking.
/// </summary>
internal sealed class TransferBar(TextWriter writer, string name, long from, TimeProvider clock) : IProgress<TransferProgress>, IDisposable
{
    private const int BarWidth = 24, LabelWidth = 28;
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(200);

    private readonly long started = clock.GetTimestamp();
    private readonly string label = name.Length <= LabelWidth ? name : name[..(LabelWidth - 1)] + "…";
    private long lastDraw;
    private int lastWidth;
    private bool drawn;

    public void Report(TransferProgress value)
    {
        var now = clock.GetTimestamp();
        if (drawn && value.Done < value.Total && clock.GetElapsedTime(lastDraw, now) < RedrawEvery)
        {
            return; // a redraw per 64 KiB chunk would cost more than the transfer
        }
        lastDraw = now;
        var line = Line(value, clock.GetElapsedTime(started, now));
        writer.Write("\r" + line.PadRight(lastWidth));
        writer.Flush();
        lastWidth = line.Length;
        drawn = true;
    }

    /// <summary>Ends the line, so what is printed next (the result, or an error) starts on a line of its own.</summary>
    public void Dispose()
    {
        if (drawn)
        {
            writer.WriteLine();
            writer.Flush();
        }
    }

    /// <summary>Speed and time left count only this run's bytes (a resumed upload starts at <c>from</c>).</summary>
    internal string Line(TransferProgress p, TimeSpan elapsed)
    {
        var fraction = p.Total <= 0 ? 1 : Math.Clamp((double)p.Done / p.Total, 0, 1);
        var filled = (int)(fraction * BarWidth);
        var bar = new string('#', filled) + new string('.', BarWidth - filled);
        var moved = p.Done - from;
        var speed = elapsed.TotalSeconds > 0 && moved > 0 ? moved / elapsed.TotalSeconds : 0;
        var left = p.Done >= p.Total ? "done"
            : speed > 0 ? Duration(TimeSpan.FromSeconds((p.Total - p.Done) / speed)) + " left"
            : "--:-- left";
        return string.Create(CultureInfo.InvariantCulture,
            $"{label} [{bar}] {fraction * 100,3:0}% {Size(p.Done)} of {Size(p.Total)}  {Size((long)speed)}/s  {left}");
    }

    /// <summary>Bytes as people read them: 512 B, 1.5 KiB, 20.0 MiB, 1.25 GiB.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };

    private static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
}
