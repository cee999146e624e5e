using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Vault.Server.Infrastructure;

namespace Vault.Server.Data;

public static class DataModule
{
    public static IServiceCollection AddVaultData(this IServiceCollection services, VaultOptions options)
    {
        Directory.CreateDirectory(options.FullDataDirectory);
        var connectionString = options.ConnectionString
            ?? $"Data Source={Path.Combine(options.FullDataDirectory, "vault.db")}";
        services.AddDbContext<VaultDbContext>(db =>
        {
            db.UseSqlite(connectionString);
            db.AddInterceptors(BusyTimeout.Instance);
            db.UseOpenIddict<Guid>();
        });
        services.AddHealthChecks().AddDbContextCheck<VaultDbContext>("database", tags: ["ready"]);
        services.AddHostedService<DatabaseMigrator>();
        return services;
    }

    /// <summary>Applies migrations before the server takes requests (hosted services start before Kestrel).</summary>
    private sealed class DatabaseMigrator(IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
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
    private const string Pragma = "PRAGMA busy_timeout = 10000;";

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

/// <summary>Lets `dotnet ef migrations add` build the context without starting the server.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<VaultDbContext>
{
    public VaultDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<VaultDbContext>().UseSqlite("Data Source=design.db");
        options.UseOpenIddict<Guid>();
        return new VaultDbContext(options.Options);
    }
}
