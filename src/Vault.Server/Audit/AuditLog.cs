using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Sodium;
using Vault.Crypto;
using Vault.Server.Data;

namespace Vault.Server.Audit;

/// <summary>
/// The append side of the audit log. Callers await their entry being committed before they serve anything
/// (fail closed: no audit, no access). One writer drains a queue in batches, so under load many requests share
/// one transaction; each append stores the leaf and the perfect subtrees it completes (amortised O(1)), which is
/// all that proofs need later (O(log n)).
/// Never await an append while holding a database write transaction: the writer needs the same lock (SQLite).
/// A process runs one writer: several server nodes would need a database lock around it (see SECURITY.md).
/// </summary>
public sealed partial class AuditLog(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditLog> logger)
    : BackgroundService
{
    private const int MaxBatch = 1024;
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(16_384) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    // Writer state, touched only by the writer loop.
    private long size = -1;
    private readonly Dictionary<(int Level, long Index), byte[]> frontier = [];
    private readonly Dictionary<Guid, long> familySeqs = [];

    private sealed record Pending(IReadOnlyList<AuditEvent> Events, long TimeUnixMs, TaskCompletionSource<long[]> Done);

    public async Task<long> AppendAsync(AuditEvent auditEvent, CancellationToken ct = default) =>
        (await AppendManyAsync([auditEvent], ct))[0];

    /// <summary>Appends the events in order and returns their log indexes once they are committed.</summary>
    public async Task<long[]> AppendManyAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct = default)
    {
        if (events.Count == 0)
        {
            return [];
        }
        var done = new TaskCompletionSource<long[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync(new Pending(events, clock.GetUtcNow().ToUnixTimeMilliseconds(), done), ct);
        return await done.Task; // once queued it is written: not cancellable, so nothing is half-audited
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                var count = 0;
                while (count < MaxBatch && queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                    count += pending.Events.Count;
                }
                await WriteBatchAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: fail whatever is still queued rather than leave callers waiting
        }
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new InvalidOperationException("The audit log is shutting down."));
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch, CancellationToken ct)
    {
        try
        {
            var indexes = await CommitAsync(batch, ct);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(indexes[i]);
            }
        }
#pragma warning disable CA1031 // any failure must fail this batch's callers, never stop the writer
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogWriteFailed(logger, e);
            size = -1; // reload from the database: the batch did not commit
            frontier.Clear();
            familySeqs.Clear();
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(new InvalidOperationException("The audit log could not be written."));
            }
        }
    }

    private async Task<long[][]> CommitAsync(List<Pending> batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        if (size < 0)
        {
            size = (await db.AuditEntries.MaxAsync(e => (long?)e.Index, ct) ?? -1) + 1;
        }
        var next = size;
        var newNodes = new Dictionary<(int, long), byte[]>();
        var seqs = new Dictionary<Guid, long>();
        var result = new long[batch.Count][];
        byte[] Node(int level, long index) =>
            newNodes.TryGetValue((level, index), out var hash) || frontier.TryGetValue((level, index), out hash)
                ? hash
                : db.AuditNodes.AsNoTracking().Where(n => n.Level == level && n.Index == index).Select(n => n.Hash).First();

        for (var p = 0; p < batch.Count; p++)
        {
            var pending = batch[p];
            result[p] = new long[pending.Events.Count];
            for (var i = 0; i < pending.Events.Count; i++)
            {
                var e = pending.Events[i];
                long familySeq = 0;
                if (e.FamilyId is { } familyId)
                {
                    familySeq = (seqs.TryGetValue(familyId, out var s) || familySeqs.TryGetValue(familyId, out s)
                        ? s
                        : await db.AuditEntries.Where(a => a.FamilyId == familyId).MaxAsync(a => (long?)a.FamilySeq, ct) ?? 0) + 1;
                    seqs[familyId] = familySeq;
                }
                var entry = NewEntry(next, pending.TimeUnixMs, familySeq, e);
                var leafHash = MerkleTree.LeafHash(AuditLeaf.Encode(entry.TimeUnixMs, entry.Action, entry.Allowed,
                    entry.FamilySeq, entry.Commitment));
                foreach (var (level, index, hash) in MerkleTree.CompletedNodes(next, leafHash, Node))
                {
                    newNodes[(level, index)] = hash;
                    db.AuditNodes.Add(new AuditNode { Level = level, Index = index, Hash = hash });
                }
                db.AuditEntries.Add(entry);
                result[p][i] = next++;
            }
        }
        await db.SaveChangesAsync(ct);

        size = next;
        foreach (var (familyId, seq) in seqs)
        {
            familySeqs[familyId] = seq;
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
        return result;
    }

    private static AuditEntry NewEntry(long index, long timeUnixMs, long familySeq, AuditEvent e)
    {
        var salt = SodiumCore.GetRandomBytes(32);
        var fields = new AuditPersonalFields(e.Actor.UserId == Guid.Empty ? null : e.Actor.UserId, e.Actor.DeviceId,
            e.Actor.Role, e.FamilyId, Truncate(e.Resource, 200), Truncate(e.Purpose, 500), Truncate(e.Actor.RequestId, 64));
        return new AuditEntry
        {
            Index = index,
            TimeUnixMs = timeUnixMs,
            Action = e.Action,
            Allowed = e.Allowed,
            FamilySeq = familySeq,
            Commitment = AuditLeaf.Commitment(fields, salt),
            Salt = salt,
            ActorUserId = fields.ActorUserId,
            ActorDeviceId = fields.ActorDeviceId,
            ActorRole = fields.ActorRole,
            FamilyId = fields.FamilyId,
            Resource = fields.Resource,
            Purpose = fields.Purpose,
            RequestId = fields.RequestId,
        };
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing an audit batch failed; its requests were refused.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);
}
