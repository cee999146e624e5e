using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Consent;
using Vault.Contracts.Documents;
using Vault.Contracts.Export;
using Vault.Contracts.Families;
using Vault.Contracts.Messaging;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>
/// One export in progress: each line of the package goes to package.ndjson as received, to the verifier, and to the
/// archive file of its part. State kept is small and per family (member names, channel files, one entry per document
/// version to fetch afterwards), never per message.
/// </summary>
internal sealed class ExportRun : IAsyncDisposable
{
    private const int MaxIssuesListed = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly VaultClient client;
    private readonly Guid familyId;
    private readonly string directory;
    private readonly ExportVerifier verifier;
    private readonly IProgress<ExportProgress>? progress;
    private readonly FileStream package;
    private readonly Dictionary<string, long> counts = ExportParts.Order.ToDictionary(p => p, _ => 0L);
    private readonly Dictionary<Guid, string> names = [];
    private readonly Dictionary<Guid, ChannelResponse> channels = [];
    private readonly HashSet<Guid> channelsWritten = [];
    private readonly Dictionary<Guid, DateTimeOffset?> documents = [];
    private readonly Dictionary<Guid, int> currentVersions = [];
    private readonly List<(DocumentVersionResponse Version, DocumentMetadata? Metadata)> versions = [];
    private readonly List<ExportIssue> issues = [];
    private readonly Dictionary<string, JsonArrayFile> files = [];
    private JsonArrayFile? channelFile;
    private Guid channelOpen;
    private long issueCount, decrypted, notDecrypted, lines, bytes;
    private int written, notWritten;
    private DateTimeOffset createdAt = DateTimeOffset.UtcNow;

    public ExportRun(VaultClient client, Guid familyId, string directory, ExportVerifier verifier, IProgress<ExportProgress>? progress)
    {
        (this.client, this.familyId, this.directory, this.verifier, this.progress) = (client, familyId, directory, verifier, progress);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "channels"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "documents"));
        package = new FileStream(Path.Combine(directory, "package.ndjson"), FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, true);
        foreach (var name in (string[])["members.json", "grants.json", "read-receipts.json", "audit.json", "requests.json"])
        {
            files[name] = new JsonArrayFile(Path.Combine(directory, name));
        }
    }

    public async Task ReadPackageAsync(Stream body, CancellationToken ct)
    {
        await foreach (var line in ExportLines.ReadAsync(body, ct))
        {
            await package.WriteAsync(line, ct);
            lines++;
            bytes += line.Length;
            if (verifier.Accept(line.Span) is not { Part: var part } parsed)
            {
                continue; // the summary, or a line the verifier refused
            }
            if (counts.TryGetValue(part, out var count))
            {
                counts[part] = count + 1;
                try
                {
                    await HandleAsync(part, parsed.Data, ct);
                }
                catch (JsonException)
                {
                    verifier.Fail($"a record of part {part} is malformed");
                }
            }
            if (lines % 500 == 0)
            {
                progress?.Report(new ExportProgress(part, lines, bytes, 0, 0));
            }
        }
        verifier.End();
        await CloseChannelAsync();
        foreach (var channel in channels.Values.Where(c => !channelsWritten.Contains(c.Id)))
        {
            await (await OpenChannelAsync(channel, ct)).DisposeAsync(); // a channel without messages still has its file
        }
        await CloseFilesAsync();
        await package.FlushAsync(ct);
    }

    private async Task HandleAsync(string part, JsonElement data, CancellationToken ct)
    {
        switch (part)
        {
            case ExportParts.Header:
                var header = Read<ExportHeader>(data);
                createdAt = header.CreatedAt;
                var head = header.TreeHead;
                if (header.FamilyId != familyId || !TreeHead.Verify(new SignedTreeHead(head.TreeSize, head.TimestampUnixMs, head.RootHash,
                        head.Signature), client.Session!.AuditKey!))
                {
                    verifier.Fail("the header is for another family or its tree head is not signed by the audit key");
                }
                break;
            case ExportParts.Family:
                await JsonArrayFile.WriteObjectAsync(Path.Combine(directory, "family.json"), Read<ExportFamily>(data), ct);
                break;
            case ExportParts.Account:
                await JsonArrayFile.WriteObjectAsync(Path.Combine(directory, "account.json"), Read<ExportAccount>(data), ct);
                break;
            case ExportParts.Members:
                var member = Read<MemberInfo>(data);
                names[member.UserId] = member.Username;
                await FileOf("members.json").AddAsync(member, ct);
                break;
            case ExportParts.Grants:
                var grant = Read<GrantResponse>(data);
                Check(grant.Grant.FamilyId, "grant");
                await FileOf("grants.json").AddAsync(grant, ct);
                break;
            case ExportParts.KeyWraps:
                await client.AcceptExportedWrapAsync(familyId, Read<ExportKeyWrap>(data), ct);
                break;
            case ExportParts.Channels:
                var channel = Read<ChannelResponse>(data);
                Check(channel.FamilyId, "channel");
                channels[channel.Id] = channel;
                break;
            case ExportParts.Messages:
                await MessageAsync(Read<MessageDelivery>(data), ct);
                break;
            case ExportParts.ReadReceipts:
                await CloseChannelAsync();
                await FileOf("read-receipts.json").AddAsync(Read<ExportReadReceipt>(data), ct);
                break;
            case ExportParts.Documents:
                await CloseChannelAsync();
                var document = Read<ExportDocument>(data);
                documents[document.Id] = document.DeletedAt;
                currentVersions[document.Id] = document.CurrentVersion;
                break;
            case ExportParts.DocumentVersions:
                var version = Read<DocumentVersionResponse>(data);
                Check(version.FamilyId, "document version");
                var scope = ConsentScopes.Documents(version.Category);
                versions.Add((version, client.HoldsEpochKey(familyId, scope, version.Epoch)
                    ? await client.OpenMetadataAsync(familyId, version.Category, version.DocumentId, version.UploadId, version.Epoch,
                        version.MetadataBox, ct)
                    : null));
                break;
            case ExportParts.Audit:
                await FileOf("audit.json").AddAsync(Read<AuditEntryDto>(data), ct);
                break;
            case ExportParts.Requests:
                var request = Read<Contracts.DataSubject.SubjectRequestResponse>(data);
                Check(request.FamilyId, "data-subject request");
                await FileOf("requests.json").AddAsync(request, ct);
                break;
        }
    }

    private async Task MessageAsync(MessageDelivery message, CancellationToken ct)
    {
        Check(message.FamilyId, "message");
        if (!channels.TryGetValue(message.ChannelId, out var channel))
        {
            verifier.Fail("a message belongs to a channel that is not in the package");
            return;
        }
        if (channelFile is null || channelOpen != message.ChannelId)
        {
            await CloseChannelAsync();
            if (!channelsWritten.Add(channel.Id))
            {
                verifier.Fail("the messages of a channel are not together in seq order");
            }
            channelFile = await OpenChannelAsync(channel, ct);
            channelOpen = channel.Id;
        }
        var archived = await client.OpenExportedAsync(message, names.GetValueOrDefault(message.SenderUserId), ct);
        await channelFile.AddAsync(archived, ct);
        if (archived.Decrypted)
        {
            decrypted++;
        }
        else if (message.Envelope is not null)
        {
            notDecrypted++;
            Issue($"bericht {message.Seq} in kanaal {channel.Id.ToString("N")[..8]}", archived.NotDecryptedReason!);
        }
    }

    private async Task<JsonArrayFile> OpenChannelAsync(ChannelResponse channel, CancellationToken ct)
    {
        var name = await client.ExportedChannelNameAsync(channel, ct);
        var file = $"{JsonArrayFile.SafeName(name, "kanaal")}-{channel.Id.ToString("N")[..8]}.json";
        return new JsonArrayFile(Path.Combine(directory, "channels", file), "channel",
            new ArchivedChannel(channel.Id, name, channel.CreatedAt, channel.ArchivedAt, channel.RetentionDays, channel.LastSeq), "messages");
    }

    public async Task DownloadDocumentsAsync(CancellationToken ct)
    {
        await using var index = new JsonArrayFile(Path.Combine(directory, "documents.json"));
        var done = 0;
        foreach (var (v, metadata) in versions)
        {
            var deletedAt = documents.GetValueOrDefault(v.DocumentId);
            string? file = null, reason = null;
            if (metadata is null)
            {
                reason = $"geen sleutel voor dit apparaat (categorie {v.Category}, sleuteltijdvak {v.Epoch})";
            }
            else if (deletedAt is not null)
            {
                reason = "in de prullenbak: zet het document terug om de inhoud op te halen";
            }
            else
            {
                file = $"{v.DocumentId.ToString("N")[..8]}-v{v.Version}-{JsonArrayFile.SafeName(metadata.Name, "document")}";
                reason = await DownloadAsync(v, Path.Combine(directory, "documents", file), ct);
                file = reason is null ? "documents/" + file : null;
            }
            if (reason is null)
            {
                written++;
            }
            else
            {
                notWritten++;
                Issue($"document {v.DocumentId.ToString("N")[..8]} versie {v.Version}{(metadata is null ? "" : $" ({metadata.Name})")}", reason);
            }
            await index.AddAsync(new ArchivedDocument(v.DocumentId, v.Version, currentVersions.GetValueOrDefault(v.DocumentId) == v.Version,
                v.Category, metadata?.Name, metadata?.ContentType, metadata?.Size, v.CreatedAt, v.UploaderUserId,
                names.GetValueOrDefault(v.UploaderUserId), deletedAt, file, reason), ct);
            progress?.Report(new ExportProgress(ExportParts.DocumentVersions, lines, bytes, ++done, versions.Count));
        }
    }

    private async Task<string?> DownloadAsync(DocumentVersionResponse v, string path, CancellationToken ct)
    {
        try
        {
            await using (var output = File.Create(path))
            {
                await client.DownloadExportedAsync(familyId, v.DocumentId, v.Version, v.ContentHash, output, ct);
            }
            return null;
        }
        catch (Exception e) when (e is CryptographicException or VaultApiException or IOException)
        {
            File.Delete(path); // never keep an unverified prefix
            return e switch
            {
                EpochKeyUnavailableException => "geen sleutel voor dit apparaat",
                VaultApiException api => $"de server gaf de inhoud niet ({api.Status})",
                CryptographicException => "niet echt: de inhoud klopt niet met wat de uploader ondertekende",
                _ => "kon niet worden opgeslagen: " + e.Message,
            };
        }
    }

    public async Task<ExportResult> FinishAsync(CancellationToken ct)
    {
        var result = new ExportResult(familyId, directory, verifier.Failure is null, verifier.Failure, counts, decrypted, notDecrypted,
            written, notWritten, issues, issueCount);
        await File.WriteAllTextAsync(Path.Combine(directory, "samenvatting.txt"), ExportSummaryText.Write(result, createdAt), ct);
        return result;
    }

    private JsonArrayFile FileOf(string name) => files[name];

    private static T Read<T>(JsonElement data) => data.Deserialize<T>(Json) ?? throw new JsonException("An empty record.");

    private void Check(Guid recordFamily, string what)
    {
        if (recordFamily != familyId)
        {
            verifier.Fail($"a {what} of another family is in the package");
        }
    }

    private void Issue(string what, string reason)
    {
        if (++issueCount <= MaxIssuesListed)
        {
            issues.Add(new ExportIssue(what, reason));
        }
    }

    private async Task CloseChannelAsync()
    {
        if (channelFile is not null)
        {
            await channelFile.DisposeAsync();
            channelFile = null;
        }
    }

    private async Task CloseFilesAsync()
    {
        await CloseChannelAsync();
        foreach (var file in files.Values)
        {
            await file.DisposeAsync();
        }
        files.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await CloseFilesAsync();
        await package.DisposeAsync();
    }
}
