using Microsoft.EntityFrameworkCore;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>
/// Deletes messages past their channel's retention, and audits how many went. Reads hide them the moment they expire
/// (see MessageEndpoints.History); this frees the space. A failed sweep is logged and tried again next time: it must
/// never stop the server.
/// </summary>
public sealed class RetentionSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<RetentionSweeper> logger)
    : PeriodicWork(clock, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMinutes(10);

    protected override Task RunOnceAsync(CancellationToken ct) => SweepAsync(ct);

    /// <summary>One sweep over every channel with a retention; returns the number of messages deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var channels = await db.Channels.AsNoTracking().Where(c => c.RetentionDays != null)
            .Select(c => new { c.Id, c.FamilyId, c.RetentionDays }).ToListAsync(ct);
        var deleted = 0;
        foreach (var channel in channels)
        {
            deleted += await ExpireAsync(db, audit, channel.FamilyId, channel.Id, channel.RetentionDays!.Value, Clock.GetUtcNow(), ct);
        }
        return deleted;
    }

    /// <summary>Deletes a channel's messages older than <paramref name="days"/>; audited when any go.</summary>
    public static async Task<int> ExpireAsync(VaultDbContext db, AuditLog audit, Guid familyId, Guid channelId, int days,
        DateTimeOffset now, CancellationToken ct)
    {
        var cutoff = now.AddDays(-days);
        var expired = db.Messages.Where(m => m.ChannelId == channelId && m.SentAt <= cutoff);
        var last = await expired.MaxAsync(m => (long?)m.Seq, ct);
        if (last is null)
        {
            return 0;
        }
        var first = await expired.MinAsync(m => m.Seq, ct);
        await audit.AppendAsync(AuditEvent.For(Actor.System, AuditActions.MessagesExpired, familyId,
            $"{Contracts.ConsentScopes.Channel(channelId)}/messages/{first}-{last}", $"retention {days} days"), ct);
        return await expired.ExecuteDeleteAsync(ct);
    }
}
