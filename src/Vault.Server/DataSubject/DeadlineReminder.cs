using Microsoft.EntityFrameworkCore;
using Vault.Contracts.DataSubject;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// Once per deadline, a week before a request falls due: a reminder in the audit log (the officer's queue shows it) and a
/// warning in the server's log naming the request id and the due day, nothing about the family.
/// </summary>
public sealed partial class DeadlineReminder(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DeadlineReminder> logger)
    : PeriodicWork(clock, logger)
{
    public static readonly TimeSpan Ahead = TimeSpan.FromDays(7);

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override Task RunOnceAsync(CancellationToken ct) => RemindAsync(ct);

    /// <summary>Reminds of every open request due within <see cref="Ahead"/> not yet reminded of; how many.</summary>
    public async Task<int> RemindAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        var now = Clock.GetUtcNow();
        var horizon = now + Ahead;
        var due = await db.SubjectRequests
            .Where(r => (r.Status == RequestStatus.Received || r.Status == RequestStatus.InProgress) && r.RemindedAt == null && r.DueAt <= horizon)
            .ToListAsync(ct);
        foreach (var request in due)
        {
            await audit.AppendAsync(AuditEvent.For(Actor.System, AuditActions.RequestReminder, request.FamilyId,
                $"request:{request.Id}/{request.Kind}", $"due {request.DueAt:yyyy-MM-dd}"), ct);
            LogDue(logger, request.Id, request.Kind, request.DueAt);
            request.RemindedAt = now;
        }
        await db.SaveChangesAsync(ct);
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data-subject request {RequestId} ({Kind}) is due {DueAt:yyyy-MM-dd}.")]
    private static partial void LogDue(ILogger logger, Guid requestId, string kind, DateTimeOffset dueAt);
}
