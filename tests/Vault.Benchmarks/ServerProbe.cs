using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Vault.Server.Audit;

namespace Vault.Benchmarks;

/// <summary>
/// Watches the server's database work from outside its code, through EF Core interceptors added to its DbContext:
/// every SQL command (kind, table, duration), every transaction (time to BEGIN — with SQLite that is the wait for
/// the single write lock — and to COMMIT), and every SaveChanges that carries audit entries (the audit writer's
/// batches: size and duration). Samples are kept in lists; a phase reads what came after its <see cref="Mark"/>.
/// Running totals (<see cref="Totals"/>) are kept as well: a long run in another process (the `serve vault` child of
/// `compare`) reads those only and keeps no samples. The interceptors see what goes through EF Core only; the
/// server's writer runs its prepared commands on EF's connection but outside EF's pipeline, so those are counted from
/// the writer's own counters (meter "Vault.Writer": committed batches, items, commands, audit entries) through a
/// <see cref="MeterListener"/> in the same process (<see cref="ListenToWriter"/>).
/// </summary>
public sealed partial class ServerProbe
{
    private readonly Lock gate = new();
    private readonly bool keepSamples;
    private readonly List<(string Key, double Ms, bool Failed)> commands = [];
    private readonly List<double> begins = [];
    private readonly List<double> commits = [];
    private readonly List<(int Entries, double Ms)> auditBatches = [];
    private readonly Dictionary<string, long> commandCounts = [];
    private readonly ConditionalWeakTable<DbTransaction, object> wrote = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> keys = new();
    private long transactionsCommitted, writeTransactionsCommitted, autocommitWrites, beginWaitsOver100Ms, auditEntries, auditBatchCount;
    private long writerBatches, writerItems, writerCommands, writerEntries, writerReads;
    private double writerBusyMs, writerPublishMs; // under gate
    private double beginWaitMs, openMs, commitMs;
    private MeterListener? writerListener;

    public ServerProbe(bool keepSamples = true)
    {
        this.keepSamples = keepSamples;
        Interceptors = [new Commands(this), new Transactions(this), new SaveChanges(this)];
    }

    public IInterceptor[] Interceptors { get; }

    /// <summary>Counts the writer's batches, items, commands and audit entries from now on (once per process).</summary>
    public void ListenToWriter()
    {
        if (writerListener is not null)
        {
            return;
        }
        writerListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Vault.Writer")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        writerListener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "vault.writer.batches": Interlocked.Add(ref writerBatches, value); break;
                case "vault.writer.items": Interlocked.Add(ref writerItems, value); break;
                case "vault.writer.commands": Interlocked.Add(ref writerCommands, value); break;
                case "vault.writer.entries": Interlocked.Add(ref writerEntries, value); break;
                case "vault.writer.reads": Interlocked.Add(ref writerReads, value); break;
            }
        });
        writerListener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (gate)
            {
                switch (instrument.Name)
                {
                    case "vault.writer.busy": writerBusyMs += value; break;
                    case "vault.writer.publish": writerPublishMs += value; break;
                }
            }
        });
        writerListener.Start();
    }

    /// <summary>Everything counted since the start; a caller subtracts two of these for a window.</summary>
    public sealed record Totals(
        IReadOnlyDictionary<string, long> Commands, long TransactionsCommitted, long WriteTransactionsCommitted, long AutocommitWrites,
        double BeginWaitMs, long BeginWaitsOver100Ms, long AuditBatches, long AuditEntries,
        long WriterBatches = 0, long WriterItems = 0, long WriterCommands = 0, long WriterEntries = 0, double OpenMs = 0, double CommitMs = 0,
        double WriterBusyMs = 0, double WriterPublishMs = 0, long WriterReads = 0);

    public Totals Snapshot()
    {
        lock (gate)
        {
            return new(new Dictionary<string, long>(commandCounts), transactionsCommitted, writeTransactionsCommitted, autocommitWrites,
                beginWaitMs, beginWaitsOver100Ms, auditBatchCount, auditEntries, Interlocked.Read(ref writerBatches),
                Interlocked.Read(ref writerItems), Interlocked.Read(ref writerCommands), Interlocked.Read(ref writerEntries), openMs, commitMs,
                writerBusyMs, writerPublishMs, Interlocked.Read(ref writerReads));
        }
    }

    public sealed record Position(int Commands, int Begins, int Commits, int AuditBatches);

    public sealed record Window(
        IReadOnlyList<(string Key, double Ms, bool Failed)> Commands, IReadOnlyList<double> BeginMs, IReadOnlyList<double> CommitMs,
        IReadOnlyList<(int Entries, double Ms)> AuditBatches);

    public Position Mark()
    {
        lock (gate)
        {
            return new(commands.Count, begins.Count, commits.Count, auditBatches.Count);
        }
    }

    public Window Since(Position from)
    {
        lock (gate)
        {
            return new(commands[from.Commands..], begins[from.Begins..], commits[from.Commits..], auditBatches[from.AuditBatches..]);
        }
    }

    private void Add(DbCommand command, TimeSpan duration, bool failed)
    {
        // The same statement text recurs for every message: parse it once (bounded, in case texts vary without end).
        var key = keys.TryGetValue(command.CommandText, out var known) ? known : KeyOf(command.CommandText);
        if (known is null && keys.Count < 10_000)
        {
            keys.TryAdd(command.CommandText, key);
        }
        var write = !failed && IsWrite(key);
        lock (gate)
        {
            if (keepSamples)
            {
                commands.Add((key, duration.TotalMilliseconds, failed));
            }
            commandCounts[key] = commandCounts.GetValueOrDefault(key) + 1;
            if (write && command.Transaction is { } transaction)
            {
                wrote.AddOrUpdate(transaction, transaction);
            }
            else if (write)
            {
                autocommitWrites++; // its own implicit transaction: one more acquisition of the write lock
            }
        }
    }

    private static bool IsWrite(string key) =>
        key.StartsWith("INSERT", StringComparison.Ordinal) || key.StartsWith("UPDATE", StringComparison.Ordinal)
        || key.StartsWith("DELETE", StringComparison.Ordinal) || key.StartsWith("REPLACE", StringComparison.Ordinal);

    /// <summary>"SELECT Memberships", "INSERT AuditEntries", "UPDATE Channels": the statement kind and its first table.</summary>
    public static string KeyOf(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        var verb = text[..Math.Max(0, text.IndexOfAny(' ', '\n'))].ToString().ToUpperInvariant();
        var table = TablePattern().Match(sql);
        return table.Success ? $"{verb} {table.Groups[1].Value}" : verb;
    }

    [GeneratedRegex("""(?:FROM|INTO|UPDATE)\s+"(\w+)""", RegexOptions.IgnoreCase)]
    private static partial Regex TablePattern();

    private sealed class Commands(ServerProbe probe) : DbCommandInterceptor
    {
        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            probe.Add(command, eventData.Duration, false);
            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData,
            DbDataReader result, CancellationToken cancellationToken = default)
        {
            probe.Add(command, eventData.Duration, false);
            return ValueTask.FromResult(result);
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            probe.Add(command, eventData.Duration, false);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            probe.Add(command, eventData.Duration, false);
            return ValueTask.FromResult(result);
        }

        public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
        {
            probe.Add(command, eventData.Duration, false);
            return result;
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
            CancellationToken cancellationToken = default)
        {
            probe.Add(command, eventData.Duration, false);
            return ValueTask.FromResult(result);
        }

        public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
            probe.Add(command, eventData.Duration, true);

        public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData,
            CancellationToken cancellationToken = default)
        {
            probe.Add(command, eventData.Duration, true);
            return Task.CompletedTask;
        }
    }

    /// <summary>The audit writer is the only code that saves AuditEntry rows: one SaveChanges is one batch.</summary>
    private sealed class SaveChanges(ServerProbe probe) : SaveChangesInterceptor
    {
        private readonly ConditionalWeakTable<DbContext, StrongBox<(long Started, int Entries)>> open = [];

        private void Saving(DbContextEventData data)
        {
            if (data.Context is not { } context)
            {
                return;
            }
            var entries = context.ChangeTracker.Entries<AuditEntry>().Count(e => e.State == EntityState.Added);
            if (entries > 0)
            {
                open.AddOrUpdate(context, new((System.Diagnostics.Stopwatch.GetTimestamp(), entries)));
            }
        }

        private void Saved(DbContextEventData data)
        {
            if (data.Context is { } context && open.TryGetValue(context, out var box))
            {
                open.Remove(context);
                var ms = System.Diagnostics.Stopwatch.GetElapsedTime(box.Value.Started).TotalMilliseconds;
                lock (probe.gate)
                {
                    if (probe.keepSamples)
                    {
                        probe.auditBatches.Add((box.Value.Entries, ms));
                    }
                    probe.auditBatchCount++;
                    probe.auditEntries += box.Value.Entries;
                }
            }
        }

        public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
        {
            Saving(eventData);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            Saving(eventData);
            return ValueTask.FromResult(result);
        }

        public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
        {
            Saved(eventData);
            return result;
        }

        public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            Saved(eventData);
            return ValueTask.FromResult(result);
        }
    }
}
