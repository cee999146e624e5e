using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.Consent;

/// <summary>
/// A grant that runs out (valid-until passed) stops all server access at that instant, because every check reads the
/// clock. Its holder still has the scope's current epoch key, though, so this sweeper then treats the lapse like a
/// withdrawal for the key ring: audited, ring marked stale (the next write rotates the holder out), holder's open
/// connections told. Failures are logged and retried at the next tick; they never stop the server.
/// </summary>
public sealed class GrantLapseSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<GrantLapseSweeper> logger)
    : PeriodicWork(clock, logger)
{
    private const int Batch = 500;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(30);

    protected override Task RunOnceAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>Handles every grant that has lapsed since the last sweep; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var handled = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
            var now = Clock.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            var lapsed = await db.Grants.Where(g => g.ActivatedAt != null && g.WithdrawnAt == null && g.LapseHandledAt == null
                && g.ValidUntilUnixMs != 0 && g.ValidUntilUnixMs <= nowMs /* GrantWindow.HasEnded */).OrderBy(g => g.ValidUntilUnixMs).Take(Batch).ToListAsync(ct);
            if (lapsed.Count == 0)
            {
                return handled;
            }
            await scope.ServiceProvider.GetRequiredService<AuditLog>().AppendManyAsync(lapsed.Select(g =>
                AuditEvent.For(Actor.System, AuditActions.GrantLapsed, g.FamilyId, $"grant:{g.Id}/{g.Scope}", g.Purpose)).ToList(), ct);
            await using (var transaction = await db.Database.BeginTransactionAsync(ct))
            {
                foreach (var grant in lapsed)
                {
                    grant.LapseHandledAt = now;
                    await KeyRingStaleness.ScopeAsync(db, grant.FamilyId, grant.Scope, ct);
                }
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
            var notifier = scope.ServiceProvider.GetRequiredService<AccessNotifier>();
            foreach (var grant in lapsed)
            {
                await notifier.NotifyUserAsync(grant.GranteeUserId, new AccessChange(grant.FamilyId, grant.Scope, AccessChanges.Expired), ct);
            }
            handled += lapsed.Count;
        }
    }
}
