using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Vault.Server.Infrastructure;

namespace Vault.Server.Data;

public static class DataModule
{
    /// <summary>
    /// The database chosen by Vault:Database (see <see cref="DatabaseOptions"/>): registered as <see cref="VaultDbContext"/>,
    /// so `services.ConfigureDbContext&lt;VaultDbContext&gt;` configures it whichever engine it is.
    /// </summary>
    public static IServiceCollection AddVaultData(this IServiceCollection services, VaultOptions options)
    {
        Directory.CreateDirectory(options.FullDataDirectory);
        var (provider, connectionString) = DatabaseOptions.Resolve(options);
        // Registered before AddDbContext, which then keeps it: the provider's subclass, built with the shared options.
        services.AddScoped(typeof(VaultDbContext), provider == DatabaseOptions.Postgres ? typeof(PostgresVaultDbContext) : typeof(SqliteVaultDbContext));
        services.AddDbContext<VaultDbContext>(db => Configure(db, provider, connectionString));
        services.AddHealthChecks().AddDbContextCheck<VaultDbContext>("database", tags: ["ready"]);
        services.AddHostedService<DatabaseMigrator>();
        return services;
    }

    internal static TBuilder Configure<TBuilder>(TBuilder db, string provider, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        if (provider == DatabaseOptions.Postgres)
        {
            db.UseNpgsql(connectionString);
            db.AddInterceptors(PostgresWriteLock.Instance);
        }
        else
        {
            db.UseSqlite(connectionString);
            db.AddInterceptors(BusyTimeout.Instance);
        }
        db.UseOpenIddict<Guid>();
        return db;
    }

    /// <summary>Applies migrations before the server takes requests (hosted services start before Kestrel).</summary>
    private sealed class DatabaseMigrator(IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
            if (db.Database.IsNpgsql())
            {
                // On an empty database Npgsql's Migrate reads the history table before creating it and logs that as an
                // error (npgsql/efcore.pg#3407): create it first with EF's own script, one node at a time.
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            await db.Database.MigrateAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// SQLite allows one writer at a time. Without a busy timeout, Microsoft.Data.Sqlite retries a locked database with
/// 150 ms sleeps, which under concurrent writes (audit batches, messages) turned into seconds of latency; SQLite's
/// own busy handler waits only as long as the lock is held.
/// </summary>
internal sealed class BusyTimeout : DbConnectionInterceptor
{
    public static readonly BusyTimeout Instance = new();
    // secure_delete: a deleted row's bytes are overwritten, not left in a free page (erasure must leave nothing readable).
    private const string Pragma = "PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
