using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Consent;
using Vault.Server.Data;

namespace Vault.Server.DataSubject;

/// <summary>
/// Runs erasures: the one asked for now, and at start every erasure a stopped server left unfinished (then again every
/// few minutes, for one whose store was down). One run per erasure at a time on this node; its phases may safely run
/// twice, so another node finishing the same erasure does no harm. After an erasure the database's freed pages are
/// overwritten (SQLite's secure_delete, set on every connection) and the WAL is checkpointed and truncated, so what was
/// erased is not left in the files.
/// </summary>
public sealed partial class ErasureRunner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ErasureRunner> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<Guid, Lazy<Task<SignedReceipt>>> running = new();

    /// <summary>Runs (or joins the run of) one erasure to its end; the receipt when done.</summary>
    public Task<SignedReceipt> RunAsync(Guid erasureId, CancellationToken ct)
    {
        // Not the caller's token: a client that goes away must not leave an erasure half done on purpose.
        var run = running.GetOrAdd(erasureId, id => new Lazy<Task<SignedReceipt>>(() => RunOnceAsync(id)));
        return run.Value.WaitAsync(ct);
    }

    /// <summary>Every erasure not yet finished, run to its end; how many were.</summary>
    public async Task<int> ResumeAsync(CancellationToken ct)
    {
        List<Guid> pending;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
            pending = await db.Erasures.AsNoTracking().Where(e => e.CompletedAt == null).OrderBy(e => e.StartedAt).Select(e => e.Id).ToListAsync(ct);
        }
        foreach (var id in pending)
        {
            LogResuming(logger, id);
            await RunAsync(id, ct);
        }
        return pending.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RetryInterval, clock);
        do
        {
            try
            {
                await ResumeAsync(stoppingToken);
            }
#pragma warning disable CA1031 // a store that is down fails this round; the next one tries again
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogResumeFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<SignedReceipt> RunOnceAsync(Guid erasureId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var receipt = await scope.ServiceProvider.GetRequiredService<FamilyErasure>().RunAsync(erasureId, CancellationToken.None);
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
            if (db.Database.IsSqlite())
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            return receipt;
        }
        finally
        {
            running.TryRemove(erasureId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming erasure {ErasureId}, left unfinished.")]
    private static partial void LogResuming(ILogger logger, Guid erasureId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming unfinished erasures failed; trying again in a few minutes.")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);
}
