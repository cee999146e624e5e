using System.Security.Cryptography;
using Vault.Contracts;
using Vault.Contracts.Export;
using Vault.Contracts.Messaging;

namespace Vault.Client;

/// <summary>
/// The data-subject export on the requester's own device: the server's package streams in, is kept as received
/// (package.ndjson, the proof), verified part by part against the summary the server signed, and turned into a
/// readable archive (security/export.md) — messages decrypted as they arrive, documents fetched and verified after.
/// </summary>
public sealed partial class VaultClient
{
    /// <summary>
    /// Exports a family (guardians only) into <paramref name="outputDirectory"/>. Never holds the package in memory.
    /// Throws VaultApiException when the server refuses; a package that does not verify is still written, with
    /// <see cref="ExportResult.Verified"/> false and the reason.
    /// </summary>
    public async Task<ExportResult> ExportFamilyAsync(Guid familyId, string outputDirectory, IProgress<ExportProgress>? progress = null,
        Guid? requestId = null, CancellationToken ct = default)
    {
        var session = RequireSession();
        var verifier = new ExportVerifier(await AuditKeyAsync(ct), familyId, session.UserId);
        await using var run = new ExportRun(this, familyId, outputDirectory, verifier, progress);
        using (var request = new HttpRequestMessage(HttpMethod.Get,
            requestId is { } answered ? $"/families/{familyId}/export?request={answered}" : $"/families/{familyId}/export"))
        using (var response = await ApiResponseAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
        await using (var body = await response.Content.ReadAsStreamAsync(ct))
        {
            await run.ReadPackageAsync(body, ct);
        }
        await run.DownloadDocumentsAsync(ct);
        return await run.FinishAsync(ct);
    }

    /// <summary>Opens a wrap from the package (for this device, or its identity key) after checking the wrapper's signature.</summary>
    internal async Task AcceptExportedWrapAsync(Guid familyId, ExportKeyWrap wrap, CancellationToken ct)
    {
        if (!epochKeys.ContainsKey((familyId, wrap.Scope, wrap.Wrap.Epoch))
            && await OpenWrapAsync(familyId, wrap.Scope, wrap.Wrap, ct) is { } key)
        {
            epochKeys[(familyId, wrap.Scope, wrap.Wrap.Epoch)] = key;
        }
    }

    /// <summary>Whether this device holds the key of an epoch (from the package's wraps, or from earlier use).</summary>
    internal bool HoldsEpochKey(Guid familyId, string scope, int epoch) => epochKeys.ContainsKey((familyId, scope, epoch));

    internal Task<string?> ExportedChannelNameAsync(ChannelResponse channel, CancellationToken ct) =>
        HoldsEpochKey(channel.FamilyId, ConsentScopes.Channel(channel.Id), channel.EncryptedMeta is { } meta ? Crypto.ScopeBox.EpochOf(meta) : 0)
            ? ChannelNameAsync(channel, ct)
            : Task.FromResult<string?>(null);

    /// <summary>A message of the package opened with the keys the package gave, never asking the server for others.</summary>
    internal async Task<ArchivedMessage> OpenExportedAsync(MessageDelivery m, string? senderName, CancellationToken ct)
    {
        string? reason = null;
        string? text = null;
        if (m.Envelope is null)
        {
            reason = "verwijderd door de afzender";
        }
        else if (!HoldsEpochKey(m.FamilyId, ConsentScopes.Channel(m.ChannelId), m.Epoch))
        {
            reason = $"geen sleutel voor dit apparaat (sleuteltijdvak {m.Epoch}): de sleutel is nooit met uw apparaten gedeeld";
        }
        else
        {
            var opened = await OpenAsync(m, ct);
            text = opened.Text;
            reason = opened.Authentic ? null : "niet echt: de handtekening van de afzender of de versleuteling klopt niet";
        }
        return new ArchivedMessage(m.Seq, m.ClientMessageId, m.SenderUserId, senderName, m.SentAt, m.Kind, m.RefClientMessageId, text,
            reason is null, reason);
    }

    /// <summary>Downloads one version through the ordinary verified path; the server must serve the version the package names.</summary>
    internal async Task DownloadExportedAsync(Guid familyId, Guid documentId, int version, byte[] packageContentHash, Stream output,
        CancellationToken ct)
    {
        var result = await DownloadDocumentAsync(familyId, documentId, version, output, null, ct);
        if (!CryptographicOperations.FixedTimeEquals(result.Version.ContentHash, packageContentHash))
        {
            throw new CryptographicException("The server served another version than the package names.");
        }
    }
}
