using System.Security.Cryptography;
using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Families;
using Vault.Contracts.Messaging;
using Vault.Crypto;

namespace Vault.Client;

/// <summary>A channel member to add at creation: a grant the creating guardian signs.</summary>
public sealed record ChannelMember(Guid UserId, string Permission, string Purpose, string LegalBasis = "consent");

/// <summary>
/// A message as shown: decrypted only after the sender device's signature and the associated data verified.
/// <c>Authentic</c> false means it failed and <c>Text</c> is withheld; <c>Deleted</c> means its sender deleted it.
/// </summary>
public sealed record ReceivedMessage(Guid FamilyId, Guid ChannelId, long Seq, Guid ClientMessageId, Guid SenderUserId,
    Guid SenderDeviceId, string Kind, Guid? RefClientMessageId, string? Text, bool Authentic, bool Deleted, DateTimeOffset SentAt);

public sealed record ChannelInfo(ChannelResponse Channel, string? Name);

public sealed partial class VaultClient
{
    private const string MetaLabel = "channel.meta";
    private sealed record MessageContent(string Text);
    private sealed record ChannelMeta(string Name);

    /// <summary>Set by <see cref="VaultConnection"/> while connected: sends then go over the socket.</summary>
    internal VaultConnection? Connection { get; set; }

    /// <summary>
    /// A guardian opens a channel and signs its members' grants in one go. With <paramref name="subjectUserId"/> the
    /// channel is about that child: the child reads it without a grant, and the age rules may need the child's
    /// co-signature before the grants are active.
    /// </summary>
    public async Task<ChannelResponse> CreateChannelAsync(Guid familyId, string name, IReadOnlyList<ChannelMember> members,
        int? retentionDays = null, Guid? subjectUserId = null, CancellationToken ct = default)
    {
        var channelId = Guid.NewGuid();
        var grants = members.Select(m => NewGrant(familyId, m.UserId, ConsentScopes.Channel(channelId), m.Permission, m.Purpose,
                m.LegalBasis, subjectUserId: subjectUserId))
            .Select(g => new SubmitGrantRequest(g, [SignGrant(g)])).ToList();
        return await CreateChannelAsync(familyId, channelId, name, grants, retentionDays, subjectUserId, ct);
    }

    /// <summary>Opens a channel with grants a guardian signed (e.g. handed to a coordinator at the kennismaking).</summary>
    public async Task<ChannelResponse> CreateChannelAsync(Guid familyId, Guid channelId, string name,
        IReadOnlyList<SubmitGrantRequest> grants, int? retentionDays = null, Guid? subjectUserId = null, CancellationToken ct = default)
    {
        var scope = ConsentScopes.Channel(channelId);
        var readers = await ListGuardiansAsync(familyId, ct);
        // About a child: wrapped for the guardians and the child now, for grantees once the age rules made their grant
        // active (below, or when the child co-signs). Otherwise every grantee reads from the start.
        var first = subjectUserId is { } child ? [child] : grants.Select(g => g.Grant.GranteeUserId);
        foreach (var grantee in first.Distinct().Where(id => readers.All(r => r.UserId != id)))
        {
            var keys = await Directory.UserAsync(grantee, refresh: true, ct);
            readers.Add(new RecipientInfo(keys.UserId, keys.Username, "", keys.IdentitySigningKey, keys.IdentityBoxKey,
                keys.Devices.Where(d => d.RevokedAt is null).ToList()));
        }
        var key = KeyWrap.NewEpochKey();
        var meta = ScopeBox.Seal(familyId, scope, 1, MetaLabel, JsonSerializer.SerializeToUtf8Bytes(new ChannelMeta(name), Json), key);
        var channel = await ApiAsync<ChannelResponse>(HttpMethod.Post, $"/families/{familyId}/channels",
            new CreateChannelRequest(channelId, meta, retentionDays, grants, WrapFor(familyId, scope, 1, key, readers), subjectUserId), ct);
        RememberEpochKey(familyId, scope, 1, key);
        if (subjectUserId is not null)
        {
            foreach (var grant in (await ListGrantsAsync(familyId, ct)).Where(g => g.Grant.Scope == scope && g.Status == GrantStatus.Active))
            {
                await ShareKeysAsync(familyId, scope, grant.Grant.GranteeUserId, history: true, ct);
            }
        }
        return channel;
    }

    public async Task<List<ChannelInfo>> ListChannelsAsync(Guid familyId, CancellationToken ct = default)
    {
        var channels = await ApiAsync<List<ChannelResponse>>(HttpMethod.Get, $"/families/{familyId}/channels", null, ct);
        var result = new List<ChannelInfo>(channels.Count);
        foreach (var channel in channels)
        {
            result.Add(new ChannelInfo(channel, await ChannelNameAsync(channel, ct)));
        }
        return result;
    }

    public Task ArchiveChannelAsync(Guid familyId, Guid channelId, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Post, $"/families/{familyId}/channels/{channelId}/archive", null, ct);

    public Task SetRetentionAsync(Guid familyId, Guid channelId, int? days, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Patch, $"/families/{familyId}/channels/{channelId}", new UpdateChannelRequest(days), ct);

    public Task<MessageDelivery> SendAsync(Guid familyId, Guid channelId, string text, Guid? clientMessageId = null,
        CancellationToken ct = default) =>
        SendKindAsync(familyId, channelId, MessageKinds.Message, null, text, clientMessageId ?? Guid.NewGuid(), ct);

    public Task<MessageDelivery> EditAsync(Guid familyId, Guid channelId, Guid original, string newText, CancellationToken ct = default) =>
        SendKindAsync(familyId, channelId, MessageKinds.Edit, original, newText, Guid.NewGuid(), ct);

    public Task<MessageDelivery> DeleteAsync(Guid familyId, Guid channelId, Guid original, CancellationToken ct = default) =>
        SendKindAsync(familyId, channelId, MessageKinds.Delete, original, "", Guid.NewGuid(), ct);

    /// <summary>Seals under the current epoch and sends; a stale epoch (access changed) makes the SDK rotate and retry.</summary>
    private async Task<MessageDelivery> SendKindAsync(Guid familyId, Guid channelId, string kind, Guid? reference, string text,
        Guid clientMessageId, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(new MessageContent(text), Json);
        for (var attempt = 0; ; attempt++)
        {
            var epoch = await WritableEpochAsync(familyId, scope, refresh: attempt > 0, ct);
            var key = await EpochKeyAsync(familyId, scope, epoch, ct);
            var header = new EnvelopeHeader(familyId, channelId, epoch, RequireSession().DeviceId, clientMessageId, kind, reference);
            var request = new SendMessageRequest(clientMessageId, epoch, kind, reference,
                MessageEnvelope.Seal(header, plaintext, key, RequireSession().Device));
            if (request.Envelope.Length > MessageLimits.MaxEnvelopeBytes)
            {
                // Refused here: over the socket an oversized frame would cost the whole connection.
                throw new VaultApiException(413, ProblemTypes.PayloadTooLarge, "The message is too long.");
            }
            try
            {
                return Connection is { IsConnected: true } connection
                    ? await connection.SendRequestAsync(familyId, channelId, request, ct)
                    : await ApiAsync<MessageDelivery>(HttpMethod.Post, $"/families/{familyId}/channels/{channelId}/messages", request, ct);
            }
            catch (VaultApiException e) when (e.ProblemType == ProblemTypes.StaleEpoch && attempt < 2)
            {
                ForgetCurrentEpoch(familyId, scope);
            }
        }
    }

    /// <summary>Messages after <paramref name="afterSeq"/>, verified and decrypted, oldest first.</summary>
    public async Task<(List<ReceivedMessage> Messages, long LastSeq)> HistoryAsync(Guid familyId, Guid channelId, long afterSeq = 0,
        int? limit = null, CancellationToken ct = default)
    {
        var query = $"/families/{familyId}/channels/{channelId}/messages?after={afterSeq}" + (limit is { } l ? $"&limit={l}" : "");
        var page = await ApiAsync<HistoryResponse>(HttpMethod.Get, query, null, ct);
        var result = new List<ReceivedMessage>(page.Messages.Count);
        foreach (var message in page.Messages)
        {
            // A message of another channel shown here would open (it names its own channel): never show it as this one's.
            result.Add(message.FamilyId == familyId && message.ChannelId == channelId
                ? await OpenAsync(message, ct)
                : new ReceivedMessage(familyId, channelId, message.Seq, message.ClientMessageId, message.SenderUserId,
                    message.SenderDeviceId, message.Kind, message.RefClientMessageId, null, false, false, message.SentAt));
        }
        return (result, page.LastSeq);
    }

    /// <summary>Checks the sender device (certified, the sender's) and the envelope's signature, then decrypts.</summary>
    public async Task<ReceivedMessage> OpenAsync(MessageDelivery m, CancellationToken ct = default)
    {
        string? text = null;
        var authentic = false;
        if (m.Envelope is not null)
        {
            try
            {
                var sender = await Directory.DeviceAsync(m.SenderUserId, m.SenderDeviceId, ct);
                var key = await EpochKeyAsync(m.FamilyId, ConsentScopes.Channel(m.ChannelId), m.Epoch, ct);
                var header = new EnvelopeHeader(m.FamilyId, m.ChannelId, m.Epoch, m.SenderDeviceId, m.ClientMessageId, m.Kind, m.RefClientMessageId);
                text = JsonSerializer.Deserialize<MessageContent>(MessageEnvelope.Open(header, m.Envelope, key, sender.SigningKey), Json)?.Text;
                authentic = text is not null;
            }
            catch (Exception e) when (e is CryptographicException or JsonException or VaultApiException)
            {
                text = null; // never show what did not verify
            }
        }
        return new ReceivedMessage(m.FamilyId, m.ChannelId, m.Seq, m.ClientMessageId, m.SenderUserId, m.SenderDeviceId, m.Kind,
            m.RefClientMessageId, authentic ? text : null, authentic, m.Envelope is null, m.SentAt);
    }

    public Task MarkReadAsync(Guid familyId, Guid channelId, long upToSeq, CancellationToken ct = default) =>
        ApiAsync(HttpMethod.Post, $"/families/{familyId}/channels/{channelId}/receipts", new ReadReceiptRequest(upToSeq), ct);

    public Task<List<ReadReceiptInfo>> ReceiptsAsync(Guid familyId, Guid channelId, CancellationToken ct = default) =>
        ApiAsync<List<ReadReceiptInfo>>(HttpMethod.Get, $"/families/{familyId}/channels/{channelId}/receipts", null, ct);

    private async Task<string?> ChannelNameAsync(ChannelResponse channel, CancellationToken ct)
    {
        if (channel.EncryptedMeta is not { } meta)
        {
            return null;
        }
        try
        {
            var scope = ConsentScopes.Channel(channel.Id);
            var key = await EpochKeyAsync(channel.FamilyId, scope, ScopeBox.EpochOf(meta), ct);
            return JsonSerializer.Deserialize<ChannelMeta>(ScopeBox.Open(channel.FamilyId, scope, MetaLabel, meta, key), Json)?.Name;
        }
        catch (Exception e) when (e is CryptographicException or JsonException or VaultApiException)
        {
            return null; // e.g. no key for its epoch on this device
        }
    }
}
