using Microsoft.Extensions.Time.Testing;
using Vault.Client;

namespace Vault.Cli.Tests;

/// <summary>The progress line: speed and time left from this run's bytes, redrawn in place, not once per chunk.</summary>
public sealed class TransferBarTests
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider clock = new();
    private readonly StringWriter terminal = new();

    [Fact]
    public void Report_HalfwayAfterTwoSeconds_ShowsTheSpeedAndTheTimeLeft()
    {
        using var bar = new TransferBar(terminal, "verslag.pdf", 0, clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        bar.Report(new TransferProgress(4 * MiB, 8 * MiB));

        Assert.Equal("\rverslag.pdf [############............]  50% 4.0 MiB of 8.0 MiB  2.0 MiB/s  0:02 left", terminal.ToString());
    }

    [Fact]
    public void Report_ResumedUpload_CountsOnlyThisRunsBytes()
    {
        using var bar = new TransferBar(terminal, "verslag.pdf", 6 * MiB, clock);
        clock.Advance(TimeSpan.FromSeconds(1));
        bar.Report(new TransferProgress(7 * MiB, 10 * MiB));

        Assert.EndsWith("7.0 MiB of 10.0 MiB  1.0 MiB/s  0:03 left", terminal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_ManyChunksAtOnce_RedrawsOnlyAfterAWhileAndAlwaysAtTheEnd()
    {
        using (var bar = new TransferBar(terminal, "plan.pdf", 0, clock))
        {
            for (var done = 1; done <= 100; done++)
            {
                bar.Report(new TransferProgress(done * MiB / 10, 10 * MiB)); // no time passes: only the first and the last draw
            }
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var draws = terminal.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, draws.Length);
        Assert.Contains(" 100% 10.0 MiB of 10.0 MiB", draws[1], StringComparison.Ordinal);
        Assert.Matches("done *" + Environment.NewLine + "$", draws[1]); // the line ends: what follows starts anew
    }

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(20L * 1024 * 1024, "20.0 MiB")]
    [InlineData(5L * 1024 * 1024 * 1024 / 4, "1.25 GiB")]
    public void Size_PeopleReadIt(long bytes, string expected) => Assert.Equal(expected, TransferBar.Size(bytes));
}
