using System.Collections.Concurrent;
using Vault.Server.Data;

namespace Vault.Server.Access;

/// <summary>
/// The access state of each family, in memory: loaded on first use (one snapshot, in its own scope, shared by everyone
/// who asks meanwhile) and dropped when <see cref="AccessStamps"/> sees a change commit. A lookup is a dictionary read.
/// A load that was under way when the change committed may finish with the state from before: whoever asked during
/// the change was answered as of before it, as a database read at that moment would have been; the next ask loads anew.
/// With several nodes a state is also read anew after <see cref="ClusterMaxAge"/>, in case word of a change was lost.
/// </summary>
public sealed class AccessCache(IServiceScopeFactory scopes, Cluster.IClusterBus bus, TimeProvider clock)
{
    private const int MaxFamilies = 50_000;
    private static readonly TimeSpan ClusterMaxAge = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, Lazy<Task<FamilyState>>> states = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> loadedAt = new();

    public Task<FamilyState> GetAsync(Guid familyId, CancellationToken ct)
    {
        if (bus.IsShared && loadedAt.TryGetValue(familyId, out var at) && clock.GetUtcNow() - at > ClusterMaxAge)
        {
            Drop([familyId]);
        }
        var load = states.GetOrAdd(familyId, id => new Lazy<Task<FamilyState>>(() => LoadAsync(id)));
        return load.Value.IsCompletedSuccessfully ? load.Value : WaitAsync(familyId, load, ct);
    }

    /// <summary>
    /// As <see cref="GetAsync"/>, but with several nodes the family's stamp is read first (one indexed read) and a state
    /// that no longer matches it is read anew: a change committed on another node a moment ago counts here at once,
    /// whether or not word of it has arrived. For request handlers; the send path leaves this to its writer.
    /// </summary>
    public async Task<FamilyState> GetCurrentAsync(Guid familyId, CancellationToken ct)
    {
        var state = await GetAsync(familyId, ct);
        if (!bus.IsShared)
        {
            return state;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        var stamp = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
            db.Families.Where(f => f.Id == familyId).Select(f => (Guid?)f.AccessStamp), ct);
        if (stamp == (state.Exists ? state.Stamp : null))
        {
            return state;
        }
        Drop([familyId]);
        return await GetAsync(familyId, ct);
    }

    /// <summary>A state read by someone else in a transaction that proved it current (the send path's writer).</summary>
    public void Put(FamilyState state)
    {
        if (state.Exists)
        {
            states[state.FamilyId] = new Lazy<Task<FamilyState>>(Task.FromResult(state));
            loadedAt[state.FamilyId] = clock.GetUtcNow();
        }
    }

    /// <summary>Forgets everything: for whoever changed the database behind the server's back (tests, an operator's repair).</summary>
    public void DropAll()
    {
        states.Clear();
        loadedAt.Clear();
    }

    public void Drop(IEnumerable<Guid> familyIds)
    {
        foreach (var id in familyIds)
        {
            states.TryRemove(id, out _);
            loadedAt.TryRemove(id, out _);
        }
    }

    private async Task<FamilyState> WaitAsync(Guid familyId, Lazy<Task<FamilyState>> load, CancellationToken ct)
    {
        try
        {
            return await load.Value.WaitAsync(ct);
        }
        catch (Exception) when (load.Value.IsFaulted)
        {
            states.TryRemove(KeyValuePair.Create(familyId, load)); // the next ask tries again
            throw;
        }
    }

    private async Task<FamilyState> LoadAsync(Guid familyId)
    {
        if (states.Count > MaxFamilies)
        {
            DropAll(); // a cache: whatever is needed loads again
        }
        var started = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        // Not a caller's token: the load is shared, and one caller going away must not fail the others.
        var state = await FamilyState.LoadAsync(db, familyId, CancellationToken.None);
        if (!state.Exists)
        {
            states.TryRemove(familyId, out _); // nothing to keep for an id that names no family
        }
        else
        {
            loadedAt[familyId] = started;
        }
        return state;
    }
}
