using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.Access;

/// <summary>
/// The one door into the access state: whatever changes who may do what in a family (memberships, grants and their
/// signatures, key rings, channels, devices) gives that family a new access stamp in the same transaction, and once
/// the transaction has committed the family's cached state is dropped. Changes made through tracked entities are
/// stamped here by themselves (an interceptor on SaveChanges); the few bulk updates that bypass tracking call
/// <see cref="StampAsync"/>. Other nodes hear of the change through the cluster bus. The send path's writer compares
/// stamps inside its own transaction, so a change that committed first always wins, on this node or another.
/// </summary>
public sealed class AccessStamps : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly AccessCache cache;
    private readonly Cluster.IClusterBus bus;

    public AccessStamps(AccessCache cache, Cluster.IClusterBus bus)
    {
        this.cache = cache;
        this.bus = bus;
        // Another node committed a change: its families' states here are out of date.
        bus.Subscribe("access", message => cache.Drop(message.Split(',').Select(Guid.Parse)));
    }

    // Families stamped by a context's current transaction, dropped from the cache when it commits.
    private readonly ConditionalWeakTable<DbContext, HashSet<Guid>> pending = new();

    /// <summary>Stamps families changed outside the change tracker (bulk updates) in the context's current transaction.</summary>
    public async Task StampAsync(VaultDbContext db, IReadOnlyCollection<Guid> familyIds, CancellationToken ct)
    {
        if (familyIds.Count == 0)
        {
            return;
        }
        var stamp = Guid.NewGuid();
        await db.Families.Where(f => familyIds.Contains(f.Id)).ExecuteUpdateAsync(set => set.SetProperty(f => f.AccessStamp, stamp), ct);
        Remember(db, familyIds);
        if (db.Database.CurrentTransaction is null)
        {
            Flush(db); // committed already: the update was its own transaction
        }
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is VaultDbContext db)
        {
            await StampTrackedAsync(db, cancellationToken);
        }
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is VaultDbContext db)
        {
            StampTrackedAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        }
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        SavedChanges(eventData, result);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } db && db.Database.CurrentTransaction is null)
        {
            Flush(db); // SaveChanges committed its own transaction
        }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Adds a new stamp to every family whose access entities this SaveChanges adds, changes or deletes, as one more
    /// tracked update in the same SaveChanges (so in its transaction).
    /// </summary>
    private async Task StampTrackedAsync(VaultDbContext db, CancellationToken ct)
    {
        var families = new HashSet<Guid>();
        var users = new HashSet<Guid>();
        var grants = new HashSet<Guid>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }
            switch (entry.Entity)
            {
                case Membership m: families.Add(m.FamilyId); break;
                case Grant g: families.Add(g.FamilyId); break;
                case GrantSigning s: grants.Add(s.GrantId); break;
                case KeyRing r: families.Add(r.FamilyId); break;
                case Channel c when entry.State != EntityState.Modified || IsAccessChange(entry): families.Add(c.FamilyId); break;
                case Device d: users.Add(d.UserId); break;
                case Family f when IsFamilyAccessChange(entry): families.Add(f.Id); break;
            }
        }
        if (grants.Count > 0)
        {
            families.UnionWith(await db.Grants.AsNoTracking().Where(g => grants.Contains(g.Id)).Select(g => g.FamilyId).ToListAsync(ct));
        }
        if (users.Count > 0)
        {
            families.UnionWith(await db.Memberships.AsNoTracking().Where(m => users.Contains(m.UserId)).Select(m => m.FamilyId)
                .Distinct().ToListAsync(ct));
        }
        if (families.Count == 0)
        {
            return;
        }
        var stamp = Guid.NewGuid();
        foreach (var familyId in families)
        {
            var tracked = db.ChangeTracker.Entries<Family>().FirstOrDefault(f => f.Entity.Id == familyId);
            if (tracked is not null)
            {
                tracked.Entity.AccessStamp = stamp;
                continue;
            }
            // Only the stamp is written: the stub's other values are never sent.
            var stub = new Family { Id = familyId, Reference = "", Gemeente = "", Status = "", AccessStamp = stamp };
            db.Attach(stub).Property(f => f.AccessStamp).IsModified = true;
        }
        Remember(db, families);
    }

    // Restriction and erasure change what everyone may do; traject fields change no one's access.
    private static bool IsFamilyAccessChange(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry) =>
        entry.State != EntityState.Modified
        || entry.Property(nameof(Family.RestrictedAt)).IsModified || entry.Property(nameof(Family.ErasingSince)).IsModified;

    // Retention, LastSeq and other bookkeeping on a channel change nobody's access.
    private static bool IsAccessChange(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry) =>
        entry.Property(nameof(Channel.ArchivedAt)).IsModified || entry.Property(nameof(Channel.SubjectUserId)).IsModified;

    private void Remember(DbContext db, IEnumerable<Guid> families)
    {
        lock (pending)
        {
            pending.GetOrCreateValue(db).UnionWith(families);
        }
    }

    private void Flush(DbContext db)
    {
        HashSet<Guid>? families;
        lock (pending)
        {
            if (!pending.TryGetValue(db, out families))
            {
                return;
            }
            pending.Remove(db);
        }
        cache.Drop(families);
        bus.Publish("access", string.Join(',', families));
    }

    private void Forget(DbContext? db)
    {
        if (db is not null && db.Database.CurrentTransaction is null)
        {
            lock (pending)
            {
                pending.Remove(db);
            }
        }
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } db)
        {
            Flush(db);
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } db)
        {
            lock (pending)
            {
                pending.Remove(db);
            }
        }
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }
}
