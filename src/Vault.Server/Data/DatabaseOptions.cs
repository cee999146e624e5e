using Microsoft.Data.Sqlite;
using Npgsql;
using Vault.Server.Infrastructure;

namespace Vault.Server.Data;

/// <summary>
/// "Vault:Database": which engine holds the data. SQLite (the embedded default) keeps a file in the data directory;
/// PostgreSQL is for a region running several nodes on one database.
/// </summary>
public sealed class DatabaseOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (default) or "postgres".</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite: optional, default "Data Source={DataDirectory}/vault.db". PostgreSQL: required, an Npgsql connection
    /// string, e.g. "Host=db;Database=vault;Username=vault;Password=…" (prefer passing it as an environment variable,
    /// Vault__Database__ConnectionString, or a secret over appsettings).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The provider and connection string to use, or a message that says what to set.</summary>
    public static (string Provider, string ConnectionString) Resolve(VaultOptions options)
    {
        var database = options.Database;
        var provider = (database.Provider ?? "").Trim().ToLowerInvariant();
        if (provider is not (Sqlite or Postgres))
        {
            throw new InvalidOperationException(
                $"Vault:Database:Provider is \"{database.Provider}\": use \"{Sqlite}\" (the embedded default) or \"{Postgres}\".");
        }
        // Vault:ConnectionString is the key from before PostgreSQL: it named the SQLite database and still may.
        var legacy = options.ConnectionString;
        if (!string.IsNullOrWhiteSpace(legacy) && !string.IsNullOrWhiteSpace(database.ConnectionString)
            && !string.Equals(legacy, database.ConnectionString, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                "Both Vault:ConnectionString and Vault:Database:ConnectionString are set, differently: keep only Vault:Database:ConnectionString.");
        }
        var connectionString = string.IsNullOrWhiteSpace(database.ConnectionString) ? legacy : database.ConnectionString;
        if (provider == Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    "Vault:Database:Provider is postgres but Vault:Database:ConnectionString is not set: give an Npgsql connection string, " +
                    "e.g. Vault__Database__ConnectionString=\"Host=db;Database=vault;Username=vault;Password=...\".");
            }
            return (provider, Checked(connectionString, s => new NpgsqlConnectionStringBuilder(s)));
        }
        return (provider, string.IsNullOrWhiteSpace(connectionString)
            ? $"Data Source={Path.Combine(options.FullDataDirectory, "vault.db")}"
            : Checked(connectionString, s => new SqliteConnectionStringBuilder(s)));
    }

    // The builders name a bad keyword or value without echoing the string (which may hold a password).
    private static string Checked(string connectionString, Func<string, object> parse)
    {
        try
        {
            parse(connectionString);
            return connectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Vault:Database:ConnectionString is not a valid connection string: {e.Message}");
        }
    }
}
