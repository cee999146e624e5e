using System.Globalization;

namespace Vault.Benchmarks.Documents;

/// <summary>
/// A process's resident memory from /proc (Linux): VmRSS now, VmHWM the most it has had resident, and resetting VmHWM
/// to the current VmRSS (writing 5 to /proc/PID/clear_refs, Linux 4.0+; allowed for one's own processes), so that a
/// process's peak can be read per transfer.
/// </summary>
public static class ProcMemory
{
    public static long Rss(int pid) => Field(pid, "VmRSS:");

    public static long Peak(int pid) => Field(pid, "VmHWM:");

    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    private static long Field(int pid, string name) => File.ReadLines($"/proc/{pid}/status")
        .Where(line => line.StartsWith(name, StringComparison.Ordinal))
        .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024)
        .Single();
}
