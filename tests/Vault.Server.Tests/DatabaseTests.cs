using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Vault.Server.Data;

namespace Vault.Server.Tests;

/// <summary>
/// Which database the server uses comes from Vault:Database, is checked before it starts, and each engine has
/// migrations for the whole model. This class runs in both test runs (SQLite, and PostgreSQL under TestPostgres).
/// </summary>
public sealed class DatabaseTests
{
    [Fact]
    public void Start_ConfiguredProvider_IsTheEngineInUseWithItsOwnMigrationsApplied()
    {
        using var server = new VaultServer();
        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();

        var (type, provider, migrations) = TestPostgres.Enabled
            ? (typeof(PostgresVaultDbContext), "Npgsql.EntityFrameworkCore.PostgreSQL", "Vault.Server.Data.Migrations.Postgres")
            : (typeof(SqliteVaultDbContext), "Microsoft.EntityFrameworkCore.Sqlite", "Vault.Server.Data.Migrations.Sqlite");
        Assert.IsType(type, db);
        Assert.Equal(provider, db.Database.ProviderName);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.Equal(db.Database.GetMigrations(), db.Database.GetAppliedMigrations());
        Assert.Empty(db.Database.GetPendingMigrations());
        Assert.All(db.GetService<IMigrationsAssembly>().Migrations.Values, migration => Assert.Equal(migrations, migration.Namespace));
        // A first start on an empty database is not an error (Npgsql's Migrate would log one: see DataModule).
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Transaction_AnyEngine_KeepsOtherWritersOutUntilItEnds()
    {
        // The server's re-checks inside a transaction rely on this: SQLite's BEGIN IMMEDIATE, PostgresWriteLock on PostgreSQL.
        using var server = new VaultServer();
        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VaultDbContext>();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            Assert.False(AnotherWriterCanBegin(server));
            await transaction.CommitAsync();
        }
        Assert.True(AnotherWriterCanBegin(server));
    }

    [Fact]
    public void Model_EachProvider_HasAMigrationForEveryChange()
    {
        // A schema change with a migration for one engine only fails here (VaultDbContext says how to add both).
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.False(sqlite.Database.HasPendingModelChanges(), "SQLite: the model changed since its last migration");
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.False(postgres.Database.HasPendingModelChanges(), "PostgreSQL: the model changed since its last migration");
    }

    [Theory]
    [InlineData("mysql", "Vault:Database:Provider is \"mysql\": use \"sqlite\"")]
    [InlineData("", "Vault:Database:Provider is \"\"")]
    public void Start_UnknownProvider_RefusedNamingTheChoices(string provider, string message) =>
        AssertStartRefused(new() { ["Vault:Database:Provider"] = provider }, message);

    [Fact]
    public void Start_PostgresWithoutConnectionString_RefusedSayingWhatToSet() =>
        AssertStartRefused(new() { ["Vault:Database:Provider"] = "postgres", ["Vault:Database:ConnectionString"] = "" },
            "Vault:Database:Provider is postgres but Vault:Database:ConnectionString is not set");

    [Fact]
    public void Start_SeveralNodesOnSqlite_RefusedSayingSeveralNodesNeedPostgres() =>
        AssertStartRefused(new()
        {
            ["Vault:Database:Provider"] = "sqlite", ["Vault:Database:ConnectionString"] = "Data Source=cluster.db",
            ["Vault:Cluster:Redis"] = "127.0.0.1:1",
        }, "several nodes need PostgreSQL");

    [Fact]
    public void Start_BothConnectionStringKeysDiffer_RefusedNamingTheOneToKeep() =>
        AssertStartRefused(new()
        {
            ["Vault:Database:Provider"] = "sqlite", ["Vault:ConnectionString"] = "Data Source=a.db",
            ["Vault:Database:ConnectionString"] = "Data Source=b.db",
        }, "keep only Vault:Database:ConnectionString");

    [Theory]
    [InlineData("postgres", "Host=db;Password=hunter2;Colour=blue")]
    [InlineData("sqlite", "Data Source=x.db;Password=hunter2;Colour=blue")]
    public void Start_MalformedConnectionString_RefusedWithoutEchoingIt(string provider, string connectionString)
    {
        var messages = AssertStartRefused(new() { ["Vault:Database:Provider"] = provider, ["Vault:Database:ConnectionString"] = connectionString },
            "Vault:Database:ConnectionString is not a valid connection string");
        Assert.DoesNotContain("hunter2", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnlyTheOldConnectionStringKey_StillNamesTheSqliteDatabase()
    {
        using var server = new VaultServer();
        var file = Path.Combine(server.DataDirectory, "elsewhere.db");
        server.Settings["Vault:Database:Provider"] = "sqlite";
        server.Settings["Vault:Database:ConnectionString"] = "";
        server.Settings["Vault:ConnectionString"] = $"Data Source={file}";

        using var http = server.NewHttp();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        Assert.True(File.Exists(file));
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "vault.db")));
    }

    private static bool AnotherWriterCanBegin(VaultServer server)
    {
        using var connection = TestDatabase.Open(server);
        using var command = connection.CreateCommand();
        if (server.PostgresConnectionString is null)
        {
            // Microsoft.Data.Sqlite retries a busy database until the command timeout: one second, then it gives up.
            // (One statement per command: in a batch, it carries on past a statement that stayed busy.)
            command.CommandText = "BEGIN IMMEDIATE";
            command.CommandTimeout = 1;
            try
            {
                command.ExecuteNonQuery();
                command.CommandText = "ROLLBACK";
                command.ExecuteNonQuery();
                return true;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 5) // SQLITE_BUSY
            {
                return false;
            }
        }
        // Taken and released within this statement's own transaction.
        command.CommandText = FormattableString.Invariant($"SELECT pg_try_advisory_xact_lock({PostgresWriteLock.Key})");
        return (bool)command.ExecuteScalar()!;
    }

    private static string AssertStartRefused(Dictionary<string, string> settings, string message)
    {
        using var server = new VaultServer();
        foreach (var (key, value) in settings)
        {
            server.Settings[key] = value;
        }
        var refused = Assert.ThrowsAny<Exception>(() => server.NewHttp());
        var messages = new List<string>();
        for (Exception? e = refused; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }
        var all = string.Join(" | ", messages);
        Assert.Contains(message, all, StringComparison.Ordinal);
        return all;
    }
}
