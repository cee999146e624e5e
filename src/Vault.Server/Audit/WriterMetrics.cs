using System.Diagnostics.Metrics;

namespace Vault.Server.Audit;

/// <summary>
/// What the writer commits, for load runs and operators (meter "Vault.Writer"): its commands run on EF's connection
/// but outside EF's command pipeline, so EF interceptors and EF's own diagnostics never see them.
/// </summary>
internal static class WriterMetrics
{
    public const string MeterName = "Vault.Writer";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Committed batches: one write transaction each.</summary>
    public static readonly Counter<long> Batches = Meter.CreateCounter<long>("vault.writer.batches", description: "committed write transactions");

    public static readonly Counter<long> Items = Meter.CreateCounter<long>("vault.writer.items", description: "work items committed");

    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("vault.writer.commands", description: "SQL commands run by the writer");

    /// <summary>Of those, the reads (the batch's access stamps).</summary>
    public static readonly Counter<long> Reads = Meter.CreateCounter<long>("vault.writer.reads", description: "SELECTs run by the writer");

    public static readonly Counter<long> Entries = Meter.CreateCounter<long>("vault.writer.entries", description: "audit entries appended");

    /// <summary>Time spent on batches, from taking them off the queue to answering their callers: busy ÷ elapsed is the writer's utilisation.</summary>
    public static readonly Counter<double> BusyMs = Meter.CreateCounter<double>("vault.writer.busy", unit: "ms", description: "time spent writing batches");

    /// <summary>Of that, publishing committed batches' deliveries (the fan-out), which the writer awaits before the next batch.</summary>
    public static readonly Counter<double> PublishMs = Meter.CreateCounter<double>("vault.writer.publish", unit: "ms", description: "time spent publishing batches");
}
