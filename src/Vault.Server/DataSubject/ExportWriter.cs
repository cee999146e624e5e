using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts.Export;

namespace Vault.Server.DataSubject;

/// <summary>
/// Writes the package's lines onto the response body one at a time through one reused buffer (memory stays at the
/// largest line), counting and hashing each part's exact bytes for the signed summary, flushing every so often so
/// the client receives the package while it is being read from the database.
/// </summary>
internal sealed class ExportWriter(Stream body) : IDisposable
{
    private const int FlushEvery = 64 * 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ArrayBufferWriter<byte> buffer = new(16 * 1024);
    private readonly Utf8JsonWriter json = new(Stream.Null);
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ExportPartSummary> parts = [];
    private string? part;
    private long count;
    private int unflushed;

    /// <summary>Ends the current part and starts the next; parts must come in <see cref="ExportParts.Order"/>.</summary>
    public void Begin(string next)
    {
        EndPart();
        if (parts.Count >= ExportParts.Order.Count || ExportParts.Order[parts.Count] != next)
        {
            throw new InvalidOperationException($"Export part {next} is out of order.");
        }
        part = next;
        count = 0;
    }

    public async ValueTask WriteAsync<T>(T data, CancellationToken ct)
    {
        var current = part ?? throw new InvalidOperationException("Begin a part first.");
        await WriteLineAsync(new ExportLine<T>(current, data), ct);
        hash.AppendData(buffer.WrittenSpan);
        count++;
    }

    /// <summary>Ends the last part and returns what the summary states: every part, its count and its hash.</summary>
    public IReadOnlyList<ExportPartSummary> Finish()
    {
        EndPart();
        return parts.Count == ExportParts.Order.Count ? parts : throw new InvalidOperationException("Export parts are missing.");
    }

    /// <summary>The summary line: outside every part's hash (it states them).</summary>
    public async ValueTask WriteSummaryAsync<T>(T receipt, CancellationToken ct)
    {
        await WriteLineAsync(new ExportLine<T>(ExportParts.Summary, receipt), ct);
        await body.FlushAsync(ct);
    }

    private async ValueTask WriteLineAsync<T>(ExportLine<T> line, CancellationToken ct)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        JsonSerializer.Serialize(json, line, Json);
        json.Flush();
        buffer.Write("\n"u8);
        await body.WriteAsync(buffer.WrittenMemory, ct);
        unflushed += buffer.WrittenCount;
        if (unflushed >= FlushEvery)
        {
            unflushed = 0;
            await body.FlushAsync(ct);
        }
    }

    private void EndPart()
    {
        if (part is not null)
        {
            parts.Add(new ExportPartSummary(part, count, hash.GetHashAndReset()));
            part = null;
        }
    }

    public void Dispose()
    {
        json.Dispose();
        hash.Dispose();
    }
}
