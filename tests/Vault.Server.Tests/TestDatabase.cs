using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace Vault.Server.Tests;

/// <summary>
/// The test server's database read and changed directly, as an attacker or a clock would, on whichever engine it runs
/// (SQLite, or PostgreSQL under TestPostgres): a second, unpooled connection sees every committed row.
/// SQL is written once, with tables and columns named as EF Core names them (AuditEntries, FamilyId) and TRUE/FALSE
/// for booleans; on PostgreSQL those names are quoted, since EF Core creates them quoted (case-sensitive there).
/// Pass Guid and DateTimeOffset parameters as such: each engine gets them as it stores them (SQLite: upper-case text
/// and ticks, see SqliteVaultDbContext; PostgreSQL: uuid and timestamptz).
/// </summary>
internal static partial class TestDatabase
{
    public static int Sql(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(server, connection, sql, parameters);
        var changed = command.ExecuteNonQuery();
        // The server keeps families' access state in memory; a change behind its back must not be answered from there.
        server.Services.GetRequiredService<Vault.Server.Access.AccessCache>().DropAll();
        return changed;
    }

    /// <summary>
    /// A change as another server node commits it: the database changes (with a new access stamp where the other node's
    /// code would set one), this node's in-memory state does not hear of it.
    /// </summary>
    public static int SqlFromAnotherNode(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(server, connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(server, connection, sql, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>The first column of every row.</summary>
    public static List<T> Column<T>(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(server, connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(As<T>(reader.GetValue(0)));
        }
        return values;
    }

    /// <summary>Every row, each as its values joined by '|' (see <see cref="Format"/>), in the order the query gives.</summary>
    public static List<string> Rows(this VaultServer server, string sql)
    {
        using var connection = Open(server);
        return Rows(server, connection, sql);
    }

    /// <summary>Every row of every table the filter admits, rows sorted (PostgreSQL has no rowid to order by).</summary>
    public static string Snapshot(this VaultServer server, Func<string, bool> tables)
    {
        using var connection = Open(server);
        var names = Tables(server, connection).Where(tables).ToList();
        var rows = server.PostgresConnectionString is null
            ? names.SelectMany(table => Rows(server, connection, $"SELECT '{table}', * FROM \"{table}\"")).ToList()
            // One round trip instead of one per table (the every-endpoint walk takes two snapshots per request): each
            // row as PostgreSQL's text form of the whole row.
            : Rows(server, connection, string.Join(" UNION ALL ", names.Select(table => $"SELECT '{table}', r::text FROM \"{table}\" r")));
        rows.Sort(StringComparer.Ordinal);
        return string.Join('\n', rows);
    }

    private static List<string> Rows(VaultServer server, DbConnection connection, string sql)
    {
        using var command = Command(server, connection, sql, []);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row.Append(Format(reader.GetValue(i))).Append('|');
            }
            rows.Add(row.ToString());
        }
        return rows;
    }

    /// <summary>The names of the tables EF Core created (and the migrations history), sorted.</summary>
    public static List<string> Tables(this VaultServer server)
    {
        using var connection = Open(server);
        return Tables(server, connection);
    }

    private static List<string> Tables(VaultServer server, DbConnection connection)
    {
        var sql = server.PostgresConnectionString is null
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }
        tables.Sort(StringComparer.Ordinal);
        return tables;
    }

    /// <summary>
    /// Every byte the server keeps at rest, to scan for what must never be there: the files of its data directory (on
    /// SQLite the database with its write-ahead log, flushed first) and, on PostgreSQL, every value of every row.
    /// </summary>
    public static List<byte[]> StoredBytes(this VaultServer server)
    {
        SqliteConnection.ClearAllPools(); // SQLite: checkpoints the WAL, so the file holds every row
        var stored = Directory.GetFiles(server.DataDirectory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        if (server.PostgresConnectionString is not null)
        {
            using var connection = Open(server);
            foreach (var table in Tables(server, connection))
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        stored.Add(reader.GetValue(i) switch
                        {
                            byte[] bytes => bytes,
                            var value => Encoding.UTF8.GetBytes(Format(value)),
                        });
                    }
                }
            }
        }
        return stored;
    }

    /// <summary>A stored value as text that changes whenever the value does: bytes in hex, times to the tick.</summary>
    public static string Format(object? value) => value switch
    {
        null or DBNull => "∅",
        byte[] bytes => Convert.ToHexString(bytes),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>
    /// A connection of the test's own: unpooled on SQLite; on PostgreSQL from a pool apart from the server's (a new
    /// backend per query made the every-endpoint walk take minutes), which TestPostgres.Drop clears.
    /// </summary>
    public static DbConnection Open(VaultServer server)
    {
        DbConnection connection = server.PostgresConnectionString is { } postgres
            ? new NpgsqlConnection(TestPostgres.ForTests(postgres))
            : new SqliteConnection($"Data Source={server.DatabaseFile};Pooling=False");
        connection.Open();
        return connection;
    }

    private static DbCommand Command(VaultServer server, DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var postgres = server.PostgresConnectionString is not null;
        var command = connection.CreateCommand();
        command.CommandText = postgres ? QuoteNames(sql) : sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value switch
            {
                Guid id when !postgres => id.ToString().ToUpperInvariant(),
                DateTimeOffset time when !postgres => new DateTimeOffsetToBinaryConverter().ConvertToProvider(time)!,
                DateTimeOffset time => time.ToUniversalTime(),
                _ => value,
            };
            command.Parameters.Add(parameter);
        }
        return command;
    }

    private static T As<T>(object value) => value switch
    {
        T same => same,
        string text when typeof(T) == typeof(Guid) => (T)(object)Guid.Parse(text),
        _ => (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture),
    };

    // Names as EF Core writes them: PascalCase (AspNetUsers, FamilyId). SQL keywords here are upper case; quoted names,
    // parameters and string literals are left alone.
    private static string QuoteNames(string sql)
    {
        var parts = sql.Split('\'');
        for (var i = 0; i < parts.Length; i += 2)
        {
            parts[i] = PascalCaseName().Replace(parts[i], name => $"\"{name.Value}\"");
        }
        return string.Join('\'', parts);
    }

    [GeneratedRegex(@"(?<![\w""@])[A-Z][a-z]\w*")]
    private static partial Regex PascalCaseName();
}
