using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Vault.Benchmarks;

public sealed partial class ServerProbe
{
    /// <summary>
    /// BEGIN is timed from TransactionStarting to this interceptor's TransactionStarted, so it includes what interceptors
    /// registered before the probe do there (on PostgreSQL the server's write lock, an advisory lock); a committed
    /// transaction's open time runs from TransactionStarting to the end of its COMMIT.
    /// </summary>
    private sealed class Transactions(ServerProbe probe) : DbTransactionInterceptor
    {
        private readonly ConditionalWeakTable<DbConnection, StrongBox<long>> starting = [];
        private readonly ConditionalWeakTable<DbTransaction, StrongBox<long>> open = [];

        private void Starting(DbConnection connection) => starting.AddOrUpdate(connection, new(System.Diagnostics.Stopwatch.GetTimestamp()));

        private void Began(DbConnection connection, DbTransaction transaction, TransactionEndEventData data)
        {
            var ms = data.Duration.TotalMilliseconds;
            if (starting.TryGetValue(connection, out var started))
            {
                starting.Remove(connection);
                ms = Math.Max(ms, System.Diagnostics.Stopwatch.GetElapsedTime(started.Value).TotalMilliseconds);
                open.AddOrUpdate(transaction, started);
            }
            lock (probe.gate)
            {
                if (probe.keepSamples)
                {
                    probe.begins.Add(ms);
                }
                probe.beginWaitMs += ms;
                probe.beginWaitsOver100Ms += ms >= 100 ? 1 : 0;
            }
        }

        private void Committed(DbTransaction transaction, TransactionEndEventData data)
        {
            var openFor = open.TryGetValue(transaction, out var started) ? System.Diagnostics.Stopwatch.GetElapsedTime(started.Value).TotalMilliseconds : 0;
            open.Remove(transaction);
            lock (probe.gate)
            {
                if (probe.keepSamples)
                {
                    probe.commits.Add(data.Duration.TotalMilliseconds);
                }
                probe.transactionsCommitted++;
                probe.commitMs += data.Duration.TotalMilliseconds;
                probe.openMs += openFor;
                if (probe.wrote.Remove(transaction))
                {
                    probe.writeTransactionsCommitted++;
                }
            }
        }

        public override InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData,
            InterceptionResult<DbTransaction> result)
        {
            Starting(connection);
            return result;
        }

        public override ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection,
            TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            Starting(connection);
            return ValueTask.FromResult(result);
        }

        public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
        {
            Began(connection, result, eventData);
            return result;
        }

        public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData,
            DbTransaction result, CancellationToken cancellationToken = default)
        {
            Began(connection, result, eventData);
            return ValueTask.FromResult(result);
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
            Committed(transaction, eventData);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData,
            CancellationToken cancellationToken = default)
        {
            Committed(transaction, eventData);
            return Task.CompletedTask;
        }
    }
}
