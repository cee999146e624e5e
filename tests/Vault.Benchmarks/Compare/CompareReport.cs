using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Compare;

/// <summary>Turns phase results into the lines printed after each phase and the Markdown tables of docs/benchmarks.md.</summary>
public static class CompareReport
{
    public static IEnumerable<string> Describe(PhaseResult r)
    {
        var t = r.Totals;
        yield return "";
        yield return Invariant($"## {r.Arm}, {Title(r.Spec)}");
        yield return Invariant($"sent {t.Sent} messages in {r.SendWindow.TotalSeconds:0.0} s: {r.MessagesPerSecond:0.0} msg/s; deliveries {t.Delivered} of {t.Expected}: {r.DeliveriesPerSecond:0}/s over {r.Total.TotalSeconds:0.0} s");
        yield return Invariant($"end-to-end latency p50 {Ms(t.Latency.Percentile(50))} / p95 {Ms(t.Latency.Percentile(95))} / p99 {Ms(t.Latency.Percentile(99))} / max {Ms(t.Latency.Percentile(100))} ms; acknowledgement p50 {Ms(t.Acks.Percentile(50))} / p99 {Ms(t.Acks.Percentile(99))} ms");
        yield return Invariant($"lost {t.Lost}, duplicated {t.Duplicates}, out of order {t.OutOfOrder}, unauthorized {t.Unauthorized}, unauthentic {t.Unauthentic}, markers missing {t.MarkersMissing}, stray {r.Strays}, send errors {r.SendErrors}, server errors {r.ServerErrors} (warnings {r.ServerWarnings})");
        yield return Invariant($"server: CPU {Num(r.ServerCpuMsPerMessage, "0.000")} ms per message ({Num(r.ServerCpuPercent, "0")} % of one core), allocated {(r.AllocatedKbPerMessage is null ? "n/a (the server's own binary)" : Num(r.AllocatedKbPerMessage, "0.0") + " KB per message")}; driver CPU {r.DriverCpuPercent:0} % of one core; load average {r.LoadAverage}");
        yield return r.Sql is { } s
            ? Invariant($"SQL per message ({r.SqlNote}): {s.Commands:0.0} commands (of which the writer's {s.WriterCommands:0.0}), {s.Reads:0.0} reads, {s.Writes:0.0} writes, {s.WriteTransactions:0.00} write transactions (of which autocommit statements {s.AutocommitWrites:0.00}); writer: {s.WriterBatches} batches, {s.ItemsPerBatch:0.0} items and {s.AuditEntriesPerBatch:0.0} audit entries per batch; BEGIN waits ≥ 100 ms: {s.BeginWaitsOver100Ms}, requests waiting in BEGIN on average {s.ThreadsInBegin:0.00}, transactions open on average {s.TransactionsOpen:0.00}, COMMIT mean {Num(s.CommitMsMean, "0.00")} ms, writer busy {s.WriterBusy * 100:0} % of the time (publishing {s.WriterPublishing * 100:0} %); most frequent: {s.TopStatements}")
            : "SQL per message: " + r.SqlNote;
        if (r.Notes.Length > 0)
        {
            yield return r.Notes;
        }
    }

    public static List<string> Tables(IReadOnlyList<PhaseResult> results, CompareOptions options)
    {
        var measured = results.Where(r => r.Spec.Round > 0).ToList();
        var lines = new List<string>
        {
            "### Per phase (in the order run)",
            "",
            "| conn. | round | hub | load | msg/s | deliveries/s | e2e p50 ms | e2e p99 ms | ack p50 ms | server CPU ms/msg | server CPU % | alloc KB/msg | driver CPU % | lost/dup/ooo/unauth | load avg |",
            "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        };
        lines.AddRange(measured.Select(r => Invariant(
            $"| {r.Spec.Connections} | {r.Spec.Round} | {r.Arm} | {LoadName(r.Spec)} | {r.MessagesPerSecond:0} | {r.DeliveriesPerSecond:0} | {Ms(r.Totals.Latency.Percentile(50))} | {Ms(r.Totals.Latency.Percentile(99))} | {Ms(r.Totals.Acks.Percentile(50))} | {Num(r.ServerCpuMsPerMessage, "0.000")} | {Num(r.ServerCpuPercent, "0")} | {Num(r.AllocatedKbPerMessage, "0.0")} | {r.DriverCpuPercent:0} | {Faults(r)} | {r.LoadAverage} |")));

        var vault = measured.Where(r => r.Arm == "Vault").ToList();
        lines.AddRange(["", "### Vault's database work per message (EF Core probe and the writer's counters in the server process)", ""]);
        if (vault.All(r => r.Sql is null))
        {
            lines.Add(vault.Count == 0 ? "no Vault phase ran" : "n/a: " + vault[0].SqlNote);
        }
        else
        {
            lines.Add("| conn. | round | load | SQL commands | of which writer's | reads (SELECTs: EF's and the writer's) | writes | write transactions | of which autocommit | writer batches | write transactions per writer batch | items/batch | audit entries/batch | BEGIN waits ≥ 100 ms | waiting in BEGIN (mean) | transactions open (mean) | COMMIT mean ms | writer busy (of which publishing) | most frequent statements per message |");
            lines.Add("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            lines.AddRange(vault.Select(r => r.Sql is { } s
                ? Invariant($"| {r.Spec.Connections} | {r.Spec.Round} | {LoadName(r.Spec)} | {s.Commands:0.0} | {s.WriterCommands:0.0} | {s.Reads:0.0} | {s.Writes:0.0} | {s.WriteTransactions:0.00} | {s.AutocommitWrites:0.00} | {s.WriterBatches} | {Num(s.TransactionsPerBatch, "0.000")} | {s.ItemsPerBatch:0.0} | {s.AuditEntriesPerBatch:0.0} | {s.BeginWaitsOver100Ms} | {s.ThreadsInBegin:0.00} | {s.TransactionsOpen:0.00} | {Num(s.CommitMsMean, "0.00")} | {s.WriterBusy * 100:0} % ({s.WriterPublishing * 100:0} %) | {s.TopStatements} |")
                : Invariant($"| {r.Spec.Connections} | {r.Spec.Round} | {LoadName(r.Spec)} | {r.SqlNote} | | | | | | | | | | | | | | | |")));
        }

        lines.AddRange(["", "### Ratios Vault / bare hub (same round, phases run back to back)", "",
            "| conn. | round | deliveries/s, closed loop | e2e p99, closed loop | e2e p99, paced | server CPU per message, closed | allocated per message, closed |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]);
        var ratios = Ratios(measured).ToList();
        lines.AddRange(ratios.Select(x => Invariant(
            $"| {x.Connections} | {x.Round} | {Ratio(x.Deliveries)} | {Ratio(x.ClosedP99)} | {Ratio(x.PacedP99)} (at {x.Rate:0} msg/s) | {Ratio(x.Cpu)} | {Ratio(x.Allocated)} |")));

        lines.AddRange(["", "### Against the targets of issue 10", ""]);
        lines.AddRange(Targets(ratios, results, options));
        return lines;
    }

    private sealed record RoundRatios(int Connections, int Round, double Rate, double? Deliveries, double? ClosedP99, double? PacedP99,
        double? Cpu, double? Allocated);

    private static IEnumerable<RoundRatios> Ratios(List<PhaseResult> measured)
    {
        foreach (var round in measured.GroupBy(r => (r.Spec.Connections, r.Spec.Round)))
        {
            PhaseResult? Find(string arm, Load load) => round.FirstOrDefault(r => r.Arm == arm && r.Spec.Load == load);
            var (vc, bc, vp, bp) = (Find("Vault", Load.Closed), Find("bare hub", Load.Closed), Find("Vault", Load.Paced), Find("bare hub", Load.Paced));
            yield return new RoundRatios(round.Key.Connections, round.Key.Round, vp?.Spec.Rate ?? 0,
                Divide(vc?.DeliveriesPerSecond, bc?.DeliveriesPerSecond), Divide(vc?.Totals.Latency.Percentile(99), bc?.Totals.Latency.Percentile(99)),
                Divide(vp?.Totals.Latency.Percentile(99), bp?.Totals.Latency.Percentile(99)),
                Divide(vc?.ServerCpuMsPerMessage, bc?.ServerCpuMsPerMessage), Divide(vc?.AllocatedKbPerMessage, bc?.AllocatedKbPerMessage));
        }
    }

    private static IEnumerable<string> Targets(List<RoundRatios> ratios, IReadOnlyList<PhaseResult> all, CompareOptions options)
    {
        var vault = all.Where(r => r.Arm == "Vault" && r.Spec.Round > 0).ToList();
        var smallest = ratios.Count == 0 ? 0 : ratios.Min(r => r.Connections);
        var first = ratios.Where(r => r.Connections == smallest).ToList();
        string Range(IEnumerable<double?> values, string format)
        {
            var known = values.OfType<double>().ToList();
            return known.Count == 0 ? "n/a" : known.Min().ToString(format, System.Globalization.CultureInfo.InvariantCulture)
                + (known.Count > 1 ? "–" + known.Max().ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "");
        }
        string Verdict(IEnumerable<double?> values, Func<double, bool> met)
        {
            var known = values.OfType<double>().ToList();
            return known.Count == 0 ? "n/a" : known.All(met) ? "**met**" : known.Any(met) ? "**missed in some rounds**" : "**missed**";
        }
        var sql = vault.Where(r => r.Sql is not null).ToList();
        var db = options.VaultUrls.Count > 0 ? "given server" : options.Database;
        yield return "| target | measured (rounds) | verdict |";
        yield return "| --- | --- | --- |";
        yield return Invariant($"| deliveries/s ≥ 0.5× the bare hub, {db}, {smallest} connections, closed loop | {Range(first.Select(r => r.Deliveries), "0.000")}× | {Verdict(first.Select(r => r.Deliveries), v => v >= 0.5)} |");
        foreach (var other in ratios.Where(r => r.Connections != smallest).GroupBy(r => r.Connections))
        {
            yield return Invariant($"| (reported) deliveries/s ratio at {other.Key} connections | {Range(other.Select(r => r.Deliveries), "0.000")}× | — |");
        }
        foreach (var size in ratios.GroupBy(r => r.Connections))
        {
            yield return Invariant($"| e2e p99 at a paced load of half Vault's saturation ≤ 2× the bare hub's, {size.Key} connections | {Range(size.Select(r => r.PacedP99), "0.0")}× | {Verdict(size.Select(r => r.PacedP99), v => v <= 2)} |");
        }
        yield return Invariant($"| at most one write transaction per batch (so ≤ 1 per message, far below with batches) | {Range(sql.Select(r => r.Sql!.TransactionsPerBatch), "0.00")} write transactions per writer batch; {Range(sql.Select(r => (double?)r.Sql!.WriteTransactions), "0.00")} per message; batches of {Range(sql.Select(r => (double?)r.Sql!.ItemsPerBatch), "0.0")} items | {Verdict(sql.Select(r => (double?)(r.Sql!.TransactionsPerBatch ?? r.Sql!.WriteTransactions)), v => v <= 1)} |");
        yield return Invariant($"| no database reads on the send path in the steady state | {Range(sql.Select(r => (double?)r.Sql!.Reads), "0.0")} SELECTs per message | {Verdict(sql.Select(r => (double?)r.Sql!.Reads), v => v == 0)} |");
        yield return Invariant($"| under 100 KB allocated per message (whole server process) | {Range(vault.Select(r => r.AllocatedKbPerMessage), "0")} KB | {Verdict(vault.Select(r => r.AllocatedKbPerMessage), v => v < 100)} |");
        var vaultFaults = all.Where(r => r.Arm == "Vault").Sum(r => r.Faults);
        var bareFaults = all.Where(r => r.Arm != "Vault").Sum(r => r.Faults);
        yield return Invariant($"| 0 lost, duplicated, out of order, unauthorized in every phase, warm-up included | faults: Vault {vaultFaults}, bare hub {bareFaults} | {(vaultFaults + bareFaults == 0 ? "**met**" : "**missed**")} |");
    }

    private static double? Divide(double? a, double? b) => a is { } x && b is { } y && y > 0 && !double.IsNaN(x) && !double.IsNaN(y) ? x / y : null;

    private static string Ratio(double? ratio) => ratio switch
    {
        null => "n/a",
        < 0.1 => Invariant($"{ratio:0.000}×"),
        < 10 => Invariant($"{ratio:0.00}×"),
        _ => Invariant($"{ratio:0}×"),
    };

    private static string Faults(PhaseResult r) =>
        Invariant($"{r.Totals.Lost}/{r.Totals.Duplicates}/{r.Totals.OutOfOrder}/{r.Totals.Unauthorized}") + (r.Faults > 0 ? Invariant($" ({r.Faults} faults)") : "");

    private static string Title(PhaseSpec s) => Invariant($"{s.Connections} connections, ") + s.Load switch
    {
        Load.WarmUp => "warm-up (one message per sender; first sends and deliveries fetch keys)",
        Load.Closed when s.Round == 0 => Invariant($"warm-up, closed loop for {s.Duration.TotalSeconds:0} s (not in the tables)"),
        Load.Closed => Invariant($"round {s.Round}, closed loop for {s.Duration.TotalSeconds:0} s"),
        _ => Invariant($"round {s.Round}, paced at {s.Rate:0} msg/s for {s.Duration.TotalSeconds:0} s"),
    };

    private static string LoadName(PhaseSpec s) => s.Load == Load.Closed ? "closed" : Invariant($"paced {s.Rate:0}/s");

    private static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms switch
    {
        < 10 => Invariant($"{ms:0.00}"),
        < 100 => Invariant($"{ms:0.0}"),
        _ => Invariant($"{ms:0}"),
    };

    private static string Num(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
