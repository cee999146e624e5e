using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Sodium;
using Vault.Crypto;
using Vault.Server.Access;
using Vault.Server.Data;

namespace Vault.Server.Audit;

/// <summary>
/// One transaction of the writer: the work of every item in the batch, in queue order, with the audit entries they
/// append. Entries get their log index and family sequence number here, and the Merkle tree grows here, but none of
/// it is the log's until <see cref="AuditLog"/> has committed the transaction; a batch that fails leaves nothing.
/// Items write their own rows through <see cref="ExecuteAsync"/> (plain commands on the writer's connection: no change
/// tracking, no per-row round trip through EF) and read the family state as this transaction sees it.
/// </summary>
public sealed class WriteBatch
{
    private readonly Dictionary<string, DbCommand> commands = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, FamilyState> fresh = [];
    private readonly Dictionary<Guid, Guid?> stamps = []; // null: no such family
    private readonly Dictionary<Type, object> shared = [];
    private readonly List<Func<CancellationToken, Task>> beforeCommit = [];
    private readonly List<Action> afterCommit = [];
    private readonly List<Func<Task>> publish = [];
    private readonly AuditLog.TreeState tree;
    private readonly AccessCache cache;

    internal WriteBatch(VaultDbContext db, AuditLog.TreeState tree, AccessCache cache, long timeUnixMs)
    {
        Db = db;
        this.tree = tree;
        this.cache = cache;
        TimeUnixMs = timeUnixMs;
    }

    public VaultDbContext Db { get; }

    /// <summary>Another node wrote since this node's last batch: memory of what was written is out of date.</summary>
    public bool ForeignWrites { get; init; }

    /// <summary>The time every entry of this batch carries.</summary>
    public long TimeUnixMs { get; }

    /// <summary>A per-batch object an item kind shares between its items (e.g. the deliveries of all sends).</summary>
    public T Shared<T>(Func<WriteBatch, T> create) where T : class
    {
        if (!shared.TryGetValue(typeof(T), out var value))
        {
            shared[typeof(T)] = value = create(this);
        }
        return (T)value;
    }

    /// <summary>Runs after every item was applied, before the commit (in registration order).</summary>
    public void BeforeCommit(Func<CancellationToken, Task> work) => beforeCommit.Add(work);

    /// <summary>
    /// Runs once the batch has committed, before anyone is answered, while this writer still holds its turn: what all
    /// nodes must see in the order the batches committed (the deliveries).
    /// </summary>
    public void Publish(Func<Task> work) => publish.Add(work);

    /// <summary>Runs once the batch has committed and was published (acknowledge), in registration order.</summary>
    public void AfterCommit(Action work) => afterCommit.Add(work);

    /// <summary>
    /// The access stamps of the families the batch's items decide on: the one read on the send path, and its reason
    /// (see <see cref="FamilyStateAsync"/>). A prepared statement per family, not a query through EF: this runs every batch.
    /// </summary>
    internal async Task ReadStampsAsync(IReadOnlyCollection<Guid> familyIds, CancellationToken ct)
    {
        foreach (var familyId in familyIds)
        {
            var command = Command(SelectStamp);
            Bind(command, typeof(Families.Family), [(nameof(Families.Family.Id), familyId)]);
            WriterMetrics.Commands.Add(1);
            WriterMetrics.Reads.Add(1);
            await using var reader = await command.ExecuteReaderAsync(ct);
            stamps[familyId] = await reader.ReadAsync(ct) ? reader.GetGuid(0) : null;
        }
    }

    private const string SelectStamp = """SELECT "AccessStamp" FROM "Families" WHERE "Id" = @Id""";

    /// <summary>
    /// The family's access state as this transaction sees it. The writer holds the database's write lock (SQLite, or
    /// PostgreSQL's advisory lock that every transaction takes), so nothing can change it until the commit: if the
    /// cached state's stamp still matches the family's stamp, the cached state is current; otherwise it is read anew,
    /// here, and cached.
    /// </summary>
    public async Task<FamilyState> FamilyStateAsync(Guid familyId, CancellationToken ct)
    {
        if (fresh.TryGetValue(familyId, out var known))
        {
            return known;
        }
        var stamp = stamps.TryGetValue(familyId, out var read) ? read
            : await Db.Families.AsNoTracking().Where(f => f.Id == familyId).Select(f => (Guid?)f.AccessStamp).FirstOrDefaultAsync(ct);
        var state = stamp is null ? FamilyState.Missing : await cache.GetAsync(familyId, ct);
        if (stamp is not null && state.Stamp != stamp)
        {
            state = await FamilyState.LoadAsync(Db, familyId, ct);
            cache.Put(state);
        }
        return fresh[familyId] = state;
    }

    /// <summary>Appends audit entries in order; their indexes hold once the batch commits.</summary>
    public async Task<long[]> AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct)
    {
        var indexes = new long[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            indexes[i] = await AppendAsync(events[i], ct);
        }
        return indexes;
    }

    public async Task<long> AppendAsync(AuditEvent e, CancellationToken ct)
    {
        var (index, familySeq) = await tree.NextAsync(Db, e.FamilyId, ct);
        var salt = SodiumCore.GetRandomBytes(32);
        var fields = new AuditPersonalFields(e.Actor.UserId == Guid.Empty ? null : e.Actor.UserId, e.Actor.DeviceId, e.Actor.Role,
            e.FamilyId, Truncate(e.Resource, 200), Truncate(e.Purpose, 500), Truncate(e.Actor.RequestId, 64));
        var commitment = AuditLeaf.Commitment(fields, salt);
        tree.AddLeaf(Db, index, MerkleTree.LeafHash(AuditLeaf.Encode(TimeUnixMs, e.Action, e.Allowed, familySeq, commitment)));
        await ExecuteAsync(typeof(AuditEntry), InsertEntry, ct,
            (nameof(AuditEntry.Index), index), (nameof(AuditEntry.TimeUnixMs), TimeUnixMs), (nameof(AuditEntry.Action), e.Action),
            (nameof(AuditEntry.Allowed), e.Allowed), (nameof(AuditEntry.FamilySeq), familySeq), (nameof(AuditEntry.Commitment), commitment),
            (nameof(AuditEntry.Salt), salt), (nameof(AuditEntry.ActorUserId), fields.ActorUserId),
            (nameof(AuditEntry.ActorDeviceId), fields.ActorDeviceId), (nameof(AuditEntry.ActorRole), fields.ActorRole),
            (nameof(AuditEntry.FamilyId), fields.FamilyId), (nameof(AuditEntry.Resource), fields.Resource),
            (nameof(AuditEntry.Purpose), fields.Purpose), (nameof(AuditEntry.RequestId), fields.RequestId));
        WriterMetrics.Entries.Add(1);
        return index;
    }

    private const string InsertEntry = """
        INSERT INTO "AuditEntries" ("Index", "TimeUnixMs", "Action", "Allowed", "FamilySeq", "Commitment", "Salt", "ActorUserId",
            "ActorDeviceId", "ActorRole", "FamilyId", "Resource", "Purpose", "RequestId")
        VALUES (@Index, @TimeUnixMs, @Action, @Allowed, @FamilySeq, @Commitment, @Salt, @ActorUserId, @ActorDeviceId, @ActorRole,
            @FamilyId, @Resource, @Purpose, @RequestId)
        """;

    /// <summary>
    /// Runs one statement in the batch's transaction. Each parameter @Name is bound as the entity's property Name is
    /// stored (EF Core's own type mapping: how this database keeps Guids, times and flags), so rows written here read
    /// back through EF exactly like rows EF wrote. The command is prepared once per batch and reused.
    /// </summary>
    public async Task<int> ExecuteAsync(Type entity, string sql, CancellationToken ct, params (string Property, object? Value)[] values)
    {
        var command = Command(sql);
        Bind(command, entity, values);
        WriterMetrics.Commands.Add(1);
        return await command.ExecuteNonQueryAsync(ct);
    }

    internal async Task RunBeforeCommitAsync(CancellationToken ct)
    {
        for (var i = 0; i < beforeCommit.Count; i++) // work may register more work
        {
            await beforeCommit[i](ct);
        }
        foreach (var tile in tree.Edge.Dirty())
        {
            var updated = await ExecuteAsync(typeof(AuditTile), UpdateTile, ct, (nameof(AuditTile.Level), tile.Level),
                (nameof(AuditTile.Index), tile.Index), (nameof(AuditTile.Hashes), tile.Hashes));
            if (updated == 0)
            {
                await ExecuteAsync(typeof(AuditTile), InsertTile, ct, (nameof(AuditTile.Level), tile.Level),
                    (nameof(AuditTile.Index), tile.Index), (nameof(AuditTile.Hashes), tile.Hashes));
            }
        }
    }

    private const string UpdateTile = """UPDATE "AuditTiles" SET "Hashes" = @Hashes WHERE "Level" = @Level AND "Index" = @Index""";
    private const string InsertTile = """INSERT INTO "AuditTiles" ("Level", "Index", "Hashes") VALUES (@Level, @Index, @Hashes)""";

    internal async Task RunPublishAsync()
    {
        foreach (var work in publish)
        {
            await work();
        }
    }

    internal void RunAfterCommit()
    {
        foreach (var work in afterCommit)
        {
            work();
        }
    }

    internal void DisposeCommands()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }
    }

    private DbCommand Command(string sql)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Db.Database.GetDbConnection().CreateCommand();
            command.Transaction = Db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = sql;
            commands[sql] = command;
        }
        return command;
    }

    private void Bind(DbCommand command, Type entity, (string Property, object? Value)[] values)
    {
        command.Parameters.Clear();
        var type = Db.Model.FindEntityType(entity) ?? throw new InvalidOperationException($"{entity.Name} is not mapped.");
        foreach (var (name, value) in values)
        {
            var property = type.FindProperty(name) ?? throw new InvalidOperationException($"{entity.Name}.{name} is not mapped.");
            command.Parameters.Add(property.GetRelationalTypeMapping().CreateParameter(command, "@" + name, value, property.IsNullable));
        }
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
