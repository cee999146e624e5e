using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Vault.Server.Data;

/// <summary>
/// SQLite's one writer, on PostgreSQL: every transaction (explicit ones and those SaveChanges opens) first takes one
/// database-wide advisory lock, held until it commits or rolls back, as Microsoft.Data.Sqlite's BEGIN IMMEDIATE takes
/// SQLite's write lock. The code re-checks state inside its transactions (a send against a withdrawal that committed
/// first, a rotation against a change of readers) and relies on no other transaction committing in between; at
/// PostgreSQL's READ COMMITTED alone, one could. The wait is bounded like SQLite's busy timeout.
/// Several server processes on one database share this lock.
/// </summary>
public sealed class PostgresWriteLock : DbTransactionInterceptor
{
    public static readonly PostgresWriteLock Instance = new();

    /// <summary>The advisory lock's key ("VAULTWR" in ASCII): other writers that must exclude these use it too.</summary>
    public const long Key = 0x5641554C545752;

    private static readonly string Statement = FormattableString.Invariant(
        $"SET LOCAL lock_timeout = '10s'; SELECT pg_advisory_xact_lock({Key});");

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        using var command = connection.CreateCommand();
        command.Transaction = result;
        command.CommandText = Statement;
        command.ExecuteNonQuery();
        return result;
    }

    public override async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData,
        DbTransaction result, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = result;
        command.CommandText = Statement;
        await command.ExecuteNonQueryAsync(cancellationToken);
        return result;
    }
}
