using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Vault.Server.Data;

/// <summary>
/// A transaction that only reads, seeing one committed state throughout, begun on the connection itself so that it
/// takes no write lock (as the access state's loader does, FamilyState.ReadSnapshotAsync): SQLite's default BEGIN IMMEDIATE would, and so would <see cref="PostgresWriteLock"/> on a
/// transaction EF begins. SQLite: a deferred transaction reads a snapshot in WAL mode (the writer carries on; the WAL
/// cannot be checkpointed past the snapshot while it lasts). Other databases: repeatable read (PostgreSQL: a snapshot,
/// which holds back vacuum while it lasts).
/// </summary>
internal sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly VaultDbContext db;
    private readonly IDbContextTransaction used;
    private readonly DbTransaction transaction;

    private ReadSnapshot(VaultDbContext db, IDbContextTransaction used, DbTransaction transaction) =>
        (this.db, this.used, this.transaction) = (db, used, transaction);

    public static async Task<ReadSnapshot> BeginAsync(VaultDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var used = await db.Database.UseTransactionAsync(transaction, ct) ?? throw new InvalidOperationException("No transaction.");
        return new ReadSnapshot(db, used, transaction);
    }

    /// <summary>Ends the snapshot (it wrote nothing: a rollback) and gives the connection back.</summary>
    public async ValueTask DisposeAsync()
    {
        await used.DisposeAsync(); // EF does not own a transaction it was handed: it is ended here
        await transaction.DisposeAsync();
        await db.Database.CloseConnectionAsync();
    }
}
