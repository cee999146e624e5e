using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Vault.Crypto;
using Vault.Server.Access;
using Vault.Server.Data;

namespace Vault.Server.Audit;

/// <summary>
/// The one writer of the database's hot tables: audit entries and everything that must commit with them (messages).
/// Work arrives as items on a queue; the writer takes what has queued up (up to <see cref="MaxBatch"/>), applies each
/// in order inside one transaction (<see cref="WriteBatch"/>), commits once, and only then completes the items —
/// so a caller that awaits its item knows its entries are durable (fail closed: no audit, no access), and under load
/// many requests share one transaction. The Merkle tree's right edge lives here in memory and is persisted as tiles.
/// Never await an item while holding a database write transaction: the writer needs the same lock (SQLite).
/// A process runs one writer; with several nodes the writers take turns (TakeTurnAsync, the publish turn).
/// </summary>
public sealed partial class AuditLog(IServiceScopeFactory scopes, AccessCache cache, TileStore tiles, Cluster.IClusterBus bus,
    TimeProvider clock, ILogger<AuditLog> logger) : BackgroundService
{
    public const int MaxBatch = 1024;
    private readonly Channel<WriteItem> queue = Channel.CreateBounded<WriteItem>(
        new BoundedChannelOptions(16_384) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private TreeState? tree;

    public async Task<long> AppendAsync(AuditEvent auditEvent, CancellationToken ct = default) =>
        (await AppendManyAsync([auditEvent], ct))[0];

    /// <summary>Appends the events in order and returns their log indexes once they are committed.</summary>
    public Task<long[]> AppendManyAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct = default) =>
        events.Count == 0 ? Task.FromResult<long[]>([]) : SubmitAsync(new AppendItem(events), ct);

    /// <summary>Queues work for the next batch and waits for its commit (once queued it is done or failed, never half).</summary>
    public async Task<T> SubmitAsync<T>(WriteItem<T> item, CancellationToken ct = default)
    {
        await queue.Writer.WriteAsync(item, ct);
        return await item.Result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WriteItem>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await WriteBatchAsync(batch, stoppingToken);
                WriterMetrics.BusyMs.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: fail whatever is still queued rather than leave callers waiting
        }
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Fail(new InvalidOperationException("The audit log is shutting down."));
        }
    }

    private async Task WriteBatchAsync(List<WriteItem> items, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        WriteBatch? batch = null;
        var publishTurn = false;
        try
        {
            try
            {
                // One connection for the whole batch: SQLite's durability setting and the publish turn live on it.
                await db.Database.OpenConnectionAsync(ct);
                if (bus.IsShared)
                {
                    // Several nodes (PostgreSQL): one writer at a time from here until its batch is published, so
                    // every node hears the batches in the order they committed. Taken before the transaction, so a
                    // writer waiting for its turn holds up no other transaction.
                    await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({PublishTurn})", ct);
                    publishTurn = true;
                }
                tree ??= await TreeState.LoadAsync(db, tiles, ct);
                if (db.Database.IsSqlite())
                {
                    // Durable before acknowledged: a crash, even of the machine, loses nothing a caller was told is stored.
                    await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = FULL", ct);
                }
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var foreign = bus.IsShared && await TakeTurnAsync(db, ct);
                tree.Begin();
                batch = new WriteBatch(db, tree, cache, clock.GetUtcNow().ToUnixTimeMilliseconds()) { ForeignWrites = foreign };
                await batch.ReadStampsAsync(items.Select(i => i.FamilyId).OfType<Guid>().ToHashSet(), ct);
                foreach (var item in items)
                {
                    await item.ApplyAsync(batch, ct);
                }
                await batch.RunBeforeCommitAsync(ct);
                await transaction.CommitAsync(ct);
                tree.Commit();
                WriterMetrics.Batches.Add(1);
                WriterMetrics.Items.Add(items.Count);
            }
#pragma warning disable CA1031 // any failure must fail this batch's callers, never stop the writer
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogWriteFailed(logger, e);
                tree = null; // reload from the database: the batch did not commit
                foreach (var item in items)
                {
                    item.Fail(new InvalidOperationException("The audit log could not be written."));
                }
                return;
            }
            finally
            {
                batch?.DisposeCommands();
            }
            var publishing = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await batch.RunPublishAsync();
                WriterMetrics.PublishMs.Add(System.Diagnostics.Stopwatch.GetElapsedTime(publishing).TotalMilliseconds);
            }
#pragma warning disable CA1031 // stored and audited: live delivery that fails is caught up from history
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogPublishFailed(logger, e);
            }
        }
        finally
        {
            if (publishTurn)
            {
                await ReleasePublishTurnAsync(db);
            }
        }
        foreach (var item in items)
        {
            item.Commit();
        }
        batch.RunAfterCommit();
    }

    /// <summary>The advisory lock ("VAULTPB") a writer holds from before its transaction until its batch is published.</summary>
    private const long PublishTurn = 0x5641554C545042;

    private async Task ReleasePublishTurnAsync(VaultDbContext db)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({PublishTurn})", CancellationToken.None);
        }
#pragma warning disable CA1031 // a broken connection took the lock with it
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogPublishFailed(logger, e);
        }
    }

    /// <summary>
    /// With several nodes, each has a writer, and they take turns (the publish turn, and the advisory lock every
    /// PostgreSQL transaction takes: PostgresWriteLock). Whoever holds the turn checks whether another node wrote since
    /// its own last batch (the log grew), and if so reads the tree's edge again; true then, so that item kinds with
    /// their own memory (the channels' sequence numbers) read theirs again too.
    /// </summary>
    private async Task<bool> TakeTurnAsync(VaultDbContext db, CancellationToken ct)
    {
        var size = (await db.AuditEntries.MaxAsync(e => (long?)e.Index, ct) ?? -1) + 1;
        if (tree!.Size == size)
        {
            return false;
        }
        tree = await TreeState.LoadAsync(db, tiles, ct);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing a committed batch's deliveries failed; their devices catch up from history.")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing an audit batch failed; its requests were refused.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    private sealed class AppendItem(IReadOnlyList<AuditEvent> events) : WriteItem<long[]>
    {
        public override async Task ApplyAsync(WriteBatch batch, CancellationToken ct) => SetResult(await batch.AppendAsync(events, ct));
    }

    /// <summary>
    /// The tree as committed (size, the complete nodes that can still be left siblings, each family's last sequence
    /// number, the tiles at the right edge) and, during a batch, what the batch adds on top.
    /// </summary>
    internal sealed class TreeState
    {
        private readonly TileStore tiles;
        private readonly Dictionary<(int Level, long Index), byte[]> frontier = [];
        private readonly Dictionary<Guid, long> familySeqs = [];
        private readonly Dictionary<(int Level, long Index), byte[]> newNodes = [];
        private readonly Dictionary<Guid, long> newSeqs = [];
        private TileEdge committedEdge;
        private long size;
        private long next;

        private TreeState(TileStore tiles, long size, TileEdge edge)
        {
            this.tiles = tiles;
            this.size = next = size;
            committedEdge = Edge = edge;
        }

        public TileEdge Edge { get; private set; }

        /// <summary>The committed size.</summary>
        public long Size => size;

        public static async Task<TreeState> LoadAsync(VaultDbContext db, TileStore tiles, CancellationToken ct)
        {
            var size = (await db.AuditEntries.MaxAsync(e => (long?)e.Index, ct) ?? -1) + 1;
            if (size > 0 && !await db.Set<AuditTile>().AnyAsync(ct))
            {
                await TileRebuild.RunAsync(db, size, ct); // a log from before tiles: its leaves say everything
            }
            return new TreeState(tiles, size, await TileEdge.LoadAsync(db, size, ct));
        }

        public void Begin()
        {
            newNodes.Clear();
            newSeqs.Clear();
            next = size;
            Edge = committedEdge.Clone();
        }

        public async Task<(long Index, long FamilySeq)> NextAsync(VaultDbContext db, Guid? familyId, CancellationToken ct)
        {
            long familySeq = 0;
            if (familyId is { } id)
            {
                familySeq = (newSeqs.TryGetValue(id, out var s) || familySeqs.TryGetValue(id, out s)
                    ? s
                    : await db.AuditEntries.Where(a => a.FamilyId == id).MaxAsync(a => (long?)a.FamilySeq, ct) ?? 0) + 1;
                newSeqs[id] = familySeq;
            }
            return (next++, familySeq);
        }

        public void AddLeaf(VaultDbContext db, long index, byte[] leafHash)
        {
            foreach (var (level, position, hash) in MerkleTree.CompletedNodes(index, leafHash, (l, i) => Node(db, l, i)))
            {
                newNodes[(level, position)] = hash;
                Edge.Add(level, position, hash);
            }
        }

        public void Commit()
        {
            size = next;
            committedEdge = Edge;
            foreach (var (id, seq) in newSeqs)
            {
                familySeqs[id] = seq;
            }
            foreach (var (key, hash) in newNodes)
            {
                frontier[key] = hash;
            }
            // Only the last complete node of each level can still be a left sibling of a future node.
            foreach (var key in frontier.Keys.Where(k => k.Index != (size >> k.Level) - 1).ToList())
            {
                frontier.Remove(key);
            }
            if (familySeqs.Count > 100_000)
            {
                familySeqs.Clear(); // a cache: reloaded from the database on demand
            }
        }

        private byte[] Node(VaultDbContext db, int level, long index) =>
            newNodes.TryGetValue((level, index), out var hash) || frontier.TryGetValue((level, index), out hash)
                ? hash
                : tiles.Node(db, level, index);
    }
}

/// <summary>Work for the writer: applied inside its transaction, completed only after the commit.</summary>
public abstract class WriteItem
{
    /// <summary>The family whose access state the item decides on, if any: the batch reads all their stamps at once.</summary>
    public virtual Guid? FamilyId => null;

    public abstract Task ApplyAsync(WriteBatch batch, CancellationToken ct);

    internal abstract void Commit();

    internal abstract void Fail(Exception exception);
}

/// <summary>A write item with a result for whoever queued it.</summary>
public abstract class WriteItem<T> : WriteItem
{
    private readonly TaskCompletionSource<T> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? result;
    private bool hasResult;

    internal Task<T> Result => done.Task;

    /// <summary>The result the caller gets once the batch has committed.</summary>
    protected void SetResult(T value)
    {
        result = value;
        hasResult = true;
    }

    internal override void Commit()
    {
        if (hasResult)
        {
            done.TrySetResult(result!);
        }
        else
        {
            done.TrySetException(new InvalidOperationException("A write item was applied without a result."));
        }
    }

    internal override void Fail(Exception exception) => done.TrySetException(exception);
}
