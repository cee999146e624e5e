using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Vault.Server.Tests;

/// <summary>
/// The test server's SQLite file read and changed directly, as an attacker or a clock would: a second, unpooled
/// connection sees every committed row.
/// </summary>
internal static class TestDatabase
{
    public static int Sql(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(connection, sql, parameters);
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
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(connection, sql, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>The first column of every row.</summary>
    public static List<T> Column<T>(this VaultServer server, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(server);
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }

    /// <summary>A time as the server stores it (SQLite cannot compare DateTimeOffset: see VaultDbContext).</summary>
    public static object Ticks(DateTimeOffset time) => new DateTimeOffsetToBinaryConverter().ConvertToProvider(time)!;

    private static SqliteConnection Open(VaultServer server)
    {
        var connection = new SqliteConnection($"Data Source={server.DatabaseFile};Pooling=False");
        connection.Open();
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }
}
