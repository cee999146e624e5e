using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Vault.Server.Data;

/// <summary>The model on SQLite; its migrations are in Data/Migrations/Sqlite.</summary>
public sealed class SqliteVaultDbContext(DbContextOptions<VaultDbContext> options) : VaultDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset; store UTC ticks so queries on time stay in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>The model on PostgreSQL; its migrations are in Data/Migrations/Postgres.</summary>
public sealed class PostgresVaultDbContext(DbContextOptions<VaultDbContext> options) : VaultDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // timestamptz keeps an instant, not an offset, and Npgsql refuses to write a non-UTC offset: convert first.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);
}

/// <summary>Lets `dotnet ef migrations add -c SqliteVaultDbContext` build the context without starting the server.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteVaultDbContext>
{
    public SqliteVaultDbContext CreateDbContext(string[] args) =>
        new(DataModule.Configure(new DbContextOptionsBuilder<VaultDbContext>(), DatabaseOptions.Sqlite, "Data Source=design.db").Options);
}

/// <summary>Lets `dotnet ef migrations add -c PostgresVaultDbContext` build the context (it connects to nothing).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVaultDbContext>
{
    public PostgresVaultDbContext CreateDbContext(string[] args) =>
        new(DataModule.Configure(new DbContextOptionsBuilder<VaultDbContext>(), DatabaseOptions.Postgres, "Host=localhost;Database=design").Options);
}
