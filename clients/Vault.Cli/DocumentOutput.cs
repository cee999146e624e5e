using System.Text.Json.Serialization;
using Vault.Client;

namespace Vault.Cli;

// What `vault doc ... --json` prints (camelCase). Scripts read these names: add fields, never rename one. Sizes are
// the file's own bytes; storedSize is the ciphertext the server keeps.

/// <summary>Someone as the caller may see them: the username, or null when they are no longer visible.</summary>
internal sealed record Who(Guid Id, string? Username)
{
    [JsonIgnore]
    public string Name => Username ?? Id.ToString();

    public static Who Of(Guid id, IReadOnlyDictionary<Guid, string?> names) => new(id, names.GetValueOrDefault(id));
}

internal sealed record UploadJson(Guid DocumentId, int Version, string Name, string Category, long Size, bool Resumed);

internal sealed record DownloadJson(Guid DocumentId, int Version, string Name, string Category, long Size, string Path,
    DateTimeOffset CreatedAt, Who UploadedBy);

/// <summary>A version; name, size and description are null when its metadata does not open on this device.</summary>
internal sealed record VersionJson(Guid Id, string Category, int Version, string? Name, long? Size, long StoredSize,
    string? Description, DateTimeOffset CreatedAt, Who UploadedBy, Guid DeviceId);

/// <summary>A document with its current version; deletedAt and purgeAt only for one in the trash.</summary>
internal sealed record DocumentJson(Guid Id, string Category, string? Name, long? Size, long StoredSize, int Version,
    string? ContentType, string? Description, DateTimeOffset CreatedAt, Who CreatedBy, DateTimeOffset UpdatedAt, Who UpdatedBy,
    DateTimeOffset? DeletedAt, DateTimeOffset? PurgeAt)
{
    public static DocumentJson From(DocumentInfo info, IReadOnlyDictionary<Guid, string?> names)
    {
        var (d, m) = (info.Document, info.Metadata);
        return new DocumentJson(d.Id, d.Category, m?.Name, m?.Size, d.Size, d.CurrentVersion, m?.ContentType, m?.Description,
            d.CreatedAt, Who.Of(d.CreatedBy, names), d.UpdatedAt, Who.Of(d.UpdatedBy, names), d.DeletedAt, d.PurgeAt);
    }
}
