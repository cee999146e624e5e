using System.Collections.Concurrent;
using Vault.Server.Data;

namespace Vault.Server.Access;

/// <summary>
/// The access state of each family, in memory: loaded on first use (one snapshot, in its own scope, shared by everyone
/// who asks meanwhile) and dropped when <see cref="AccessStamps"/> sees a change commit. A lookup is a dictionary read.
/// A load that was under way when the change committed may finish with the state from before: whoever asked during
/// the change was answered as of before it, as a database read at that moment would have been; the next ask loads anew.
/// </summary>
public sealed class AccessCache(IServiceScopeFactory scopes)
{
    private const int MaxFamilies = 50_000;
    private readonly ConcurrentDictionary<Guid, Lazy<Task<FamilyState>>> states = new();

    public Task<FamilyState> GetAsync(Guid familyId, CancellationToken ct)
    {
        var load = states.GetOrAdd(familyId, id => new Lazy<Task<FamilyState>>(() => LoadAsync(id)));
        return load.Value.IsCompletedSuccessfully ? load.Value : WaitAsync(familyId, load, ct);
    }

    /// <summary>A state read by someone else in a transaction that proved it current (the send path's writer).</summary>
    public void Put(FamilyState state)
    {
        if (state.Exists)
        {
            states[state.FamilyId] = new Lazy<Task<FamilyState>>(Task.FromResult(state));
        }
    }

    /// <summary>Forgets everything: for whoever changed the database behind the server's back (tests, an operator's repair).</summary>
    public void DropAll() => states.Clear();

    public void Drop(IEnumerable<Guid> familyIds)
    {
        foreach (var id in familyIds)
        {
            states.TryRemove(id, out _);
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
            states.Clear(); // a cache: whatever is needed loads again
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        // Not a caller's token: the load is shared, and one caller going away must not fail the others.
        var state = await FamilyState.LoadAsync(db, familyId, CancellationToken.None);
        if (!state.Exists)
        {
            states.TryRemove(familyId, out _); // nothing to keep for an id that names no family
        }
        return state;
    }
}
