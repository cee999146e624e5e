using System.Text;
using System.Text.Json;

namespace Vault.Client;

/// <summary>A message as the archive shows it (channels/*.json): decrypted on this device, or why not.</summary>
public sealed record ArchivedMessage(long Seq, Guid ClientMessageId, Guid SenderUserId, string? Sender, DateTimeOffset SentAt,
    string Kind, Guid? RefClientMessageId, string? Text, bool Decrypted, string? NotDecryptedReason);

/// <summary>A channel's file: what the channel is, then its messages in order.</summary>
public sealed record ArchivedChannel(Guid Id, string? Name, DateTimeOffset CreatedAt, DateTimeOffset? ArchivedAt, int? RetentionDays,
    long LastSeq);

/// <summary>One document version in documents.json: its decrypted file under documents/, or why there is none.</summary>
public sealed record ArchivedDocument(Guid DocumentId, int Version, bool Current, string Category, string? Name, string? ContentType,
    long? Size, DateTimeOffset CreatedAt, Guid UploaderUserId, string? Uploader, DateTimeOffset? DeletedAt, string? File,
    string? NotDecryptedReason);

/// <summary>Something the archive holds but this device could not decrypt or fetch, and why.</summary>
public sealed record ExportIssue(string What, string Reason);

/// <summary>Where an export is: lines of the package received, and documents fetched of those to fetch.</summary>
public readonly record struct ExportProgress(string Part, long Lines, long Bytes, int DocumentsDone, int DocumentsTotal);

/// <summary>
/// The outcome of an export: the archive's directory, lines per part, whether the package verified (complete and signed
/// by the server), and what could not be decrypted. <c>Issues</c> lists the first 1,000; <c>IssueCount</c> counts all.
/// </summary>
public sealed record ExportResult(Guid FamilyId, string Directory, bool Verified, string? VerificationFailure,
    IReadOnlyDictionary<string, long> Counts, long MessagesDecrypted, long MessagesNotDecrypted, int DocumentsWritten,
    int DocumentsNotWritten, IReadOnlyList<ExportIssue> Issues, long IssueCount);

/// <summary>
/// A JSON array written element by element straight to a file (optionally inside an object that first names what the
/// array belongs to), so a channel of any length is written while it streams with memory at one element.
/// </summary>
internal sealed class JsonArrayFile : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly FileStream file;
    private readonly Utf8JsonWriter writer;
    private readonly bool wrapped;

    public JsonArrayFile(string path, string? headName = null, object? head = null, string? arrayName = null)
    {
        file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        wrapped = arrayName is not null;
        if (wrapped)
        {
            writer.WriteStartObject();
            if (headName is not null)
            {
                writer.WritePropertyName(headName);
                JsonSerializer.Serialize(writer, head, Json);
            }
            writer.WritePropertyName(arrayName!);
        }
        writer.WriteStartArray();
    }

    public async ValueTask AddAsync<T>(T item, CancellationToken ct)
    {
        JsonSerializer.Serialize(writer, item, Json);
        if (writer.BytesPending > 64 * 1024)
        {
            await writer.FlushAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        writer.WriteEndArray();
        if (wrapped)
        {
            writer.WriteEndObject();
        }
        await writer.FlushAsync();
        await writer.DisposeAsync();
        await file.DisposeAsync();
    }

    public static async Task WriteObjectAsync<T>(string path, T value, CancellationToken ct)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, value, Indented, ct);
    }

    /// <summary>A name safe as one file name on every platform, recognisable, never a path.</summary>
    public static string SafeName(string? name, string fallback)
    {
        var chars = (name ?? "").Select(c => char.IsControl(c) || Path.GetInvalidFileNameChars().Contains(c) || c is '/' or '\\' or ':'
            ? '_' : c).ToArray();
        var safe = new string(chars).Trim().Trim('.');
        return safe.Length == 0 ? fallback : safe.Length > 80 ? safe[..80] : safe;
    }
}

/// <summary>samenvatting.txt: what the archive holds, in Dutch, for the person who asked for it.</summary>
internal static class ExportSummaryText
{
    private static readonly (string Part, string Dutch)[] Parts =
    [
        ("family", "gezin en traject"), ("account", "uw account"), ("members", "leden (ook vertrokken leden)"),
        ("grants", "toestemmingen (ook ingetrokken en verlopen)"), ("keyWraps", "sleutels voor uw apparaten"),
        ("channels", "kanalen"), ("messages", "berichten"), ("readReceipts", "leesbevestigingen"),
        ("documents", "documenten"), ("documentVersions", "documentversies"), ("audit", "regels in het toegangslogboek"),
    ];

    public static string Write(ExportResult result, DateTimeOffset createdAt)
    {
        var text = new StringBuilder();
        text.AppendLine("Inzage en overdracht van gegevens (AVG artikel 15 en 20)");
        text.AppendLine("=========================================================");
        text.AppendLine();
        text.AppendLine($"Gezin: {result.FamilyId}");
        text.AppendLine($"Gemaakt op: {createdAt.ToLocalTime():dd-MM-yyyy HH:mm}");
        text.AppendLine();
        text.AppendLine(result.Verified
            ? "Controle: GESLAAGD. Het pakket is compleet en ondertekend door de server: het aantal regels en de vingerafdruk (SHA-256) van elk onderdeel kloppen met de ondertekende samenvatting."
            : $"Controle: MISLUKT. {result.VerificationFailure}. Vertrouw dit archief niet als volledig; vraag de export opnieuw aan.");
        text.AppendLine();
        text.AppendLine("Wat dit archief bevat:");
        foreach (var (part, dutch) in Parts)
        {
            text.AppendLine($"  {dutch,-45} {result.Counts.GetValueOrDefault(part),8}");
        }
        text.AppendLine();
        text.AppendLine($"Berichten ontsleuteld op dit apparaat: {result.MessagesDecrypted}, niet te ontsleutelen: {result.MessagesNotDecrypted}.");
        text.AppendLine($"Documenten opgeslagen in de map documents: {result.DocumentsWritten}, niet opgeslagen: {result.DocumentsNotWritten}.");
        text.AppendLine();
        text.AppendLine("Bestanden:");
        text.AppendLine("  package.ndjson   het pakket zoals de server het stuurde (het bewijs; zie security/export.md)");
        text.AppendLine("  family.json      gezin en traject;  account.json  uw account en apparaten");
        text.AppendLine("  members.json     leden;  grants.json  toestemmingen met hun handtekeningen");
        text.AppendLine("  channels/        per kanaal de berichten, ontsleuteld");
        text.AppendLine("  documents/       de documenten, ontsleuteld;  documents.json  het overzicht");
        text.AppendLine("  audit.json       wie wanneer wat met de gegevens van het gezin deed");
        text.AppendLine("  requests.json    uw verzoeken (inzage, correctie, wissen, beperking) en hoe ze zijn afgehandeld");
        if (result.IssueCount > 0)
        {
            text.AppendLine();
            text.AppendLine($"Niet te ontsleutelen of op te halen ({result.IssueCount}):");
            foreach (var issue in result.Issues)
            {
                text.AppendLine($"  - {issue.What}: {issue.Reason}");
            }
            if (result.IssueCount > result.Issues.Count)
            {
                text.AppendLine($"  ... en nog {result.IssueCount - result.Issues.Count}.");
            }
        }
        return text.ToString();
    }
}
