using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Vault.Server.Tests;

/// <summary>
/// The PostgreSQL instance the test command started (./test.sh runs the server tests a second time with
/// VAULT_TEST_POSTGRES set to its connection string, see .ci/postgres.sh); without it every test server runs on SQLite.
/// Each test server gets a database of its own, named after its data directory so that a restart on the same directory
/// finds its data again, and dropped when that server is disposed without KeepData.
/// To run some tests on PostgreSQL by hand: `d=$(mktemp -d); export VAULT_TEST_POSTGRES=$(.ci/postgres.sh start $d)`,
/// `dotnet test tests/Vault.Server.Tests --filter ...`, then `.ci/postgres.sh stop $d`.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "VAULT_TEST_POSTGRES";

    /// <summary>A superuser connection to the instance's maintenance database, or null when the tests run on SQLite.</summary>
    public static string? Admin { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static bool Enabled => Admin is not null;

    /// <summary>Creates the database for this data directory unless it exists; returns its connection string.</summary>
    public static string Database(string dataDirectory)
    {
        var name = "vault_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..24];
        using (var admin = new NpgsqlConnection(Admin))
        {
            admin.Open();
            using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin);
            exists.Parameters.AddWithValue("name", name);
            if (exists.ExecuteScalar() is null)
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
                create.ExecuteNonQuery();
            }
        }
        return new NpgsqlConnectionStringBuilder(Admin) { Database = name }.ConnectionString;
    }

    /// <summary>The same database for the tests' own queries, pooled apart from the server's connections.</summary>
    public static string ForTests(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "vault-tests" }.ConnectionString;

    /// <summary>Drops the database, ending whatever connections the stopped server's pool and the tests' pool still hold.</summary>
    public static void Drop(string connectionString)
    {
        foreach (var pool in new[] { connectionString, ForTests(connectionString) })
        {
            using var pooled = new NpgsqlConnection(pool);
            NpgsqlConnection.ClearPool(pooled);
        }
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var admin = new NpgsqlConnection(Admin);
        admin.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        drop.ExecuteNonQuery();
    }
}
