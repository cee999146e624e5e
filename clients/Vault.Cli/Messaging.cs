using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// `vault channel ...`, `vault send`, `vault read`, `vault listen`, edits, deletions and receipts. Message text comes
/// from --text or, better, standard input (arguments show up in process lists and shell history); the passphrase
/// never does.
/// </summary>
internal sealed partial class Context
{
    /// <summary>--members USER[:read|write],... ; the signing guardian's device signs each grant.</summary>
    public async Task<int> ChannelCreate(Guid familyId, string name, string purpose, IReadOnlyList<MemberSpec> members, int? retention)
    {
        var (_, client) = await SignedIn();
        var channel = await client.CreateChannelAsync(familyId, name,
            members.Select(m => new ChannelMember(m.User, m.Permission, purpose)).ToList(), retention);
        stdout.WriteLine($"Channel {channel.Id} opened.");
        stdout.WriteLine(NextHints.AfterChannelCreate(familyId, channel.Id));
        return 0;
    }

    public async Task<int> ChannelList(Guid familyId)
    {
        var (_, client) = await SignedIn();
        foreach (var c in await client.ListChannelsAsync(familyId))
        {
            var retention = c.Channel.RetentionDays is { } d ? $"  kept {d} days" : "";
            stdout.WriteLine($"{c.Channel.Id}  {c.Name ?? "(no key)",-24} {c.Channel.LastSeq,6} messages{retention}" +
                (c.Channel.ArchivedAt is null ? "" : "  archived"));
        }
        return 0;
    }

    /// <summary>A guardian signs a grant for the channel and shares its current key (--history: older epochs too).</summary>
    public async Task<int> ChannelAddMember(Guid familyId, Guid channelId, Guid user, string? permission, string purpose,
        string? basis, bool history)
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(familyId, user, ConsentScopes.Channel(channelId),
            permission ?? Permissions.Write, purpose, basis ?? "consent");
        var response = await client.GrantAsync(grant, shareHistory: history);
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}.");
        return 0;
    }

    /// <summary>Withdraws every active grant the user holds on the channel; the channel's key rotates before the next message.</summary>
    public async Task<int> ChannelRemoveMember(Guid familyId, Guid channelId, Guid user, string? reason)
    {
        var (_, client) = await SignedIn();
        var scope = ConsentScopes.Channel(channelId);
        var grants = (await client.ListGrantsAsync(familyId)).Where(g => g.Grant.GranteeUserId == user && g.Grant.Scope == scope
            && g.Status is GrantStatus.Active or GrantStatus.Pending or GrantStatus.NotYetValid).ToList();
        if (grants.Count == 0)
        {
            throw new CliException("That user holds no grant on this channel: nothing to withdraw (`vault grants --family ID` lists the grants).");
        }
        foreach (var grant in grants)
        {
            var (receipt, signed) = await client.WithdrawGrantSignedAsync(familyId, grant.Grant.GrantId, reason);
            var saved = KeepReceipt(client, signed, $"withdrawal-{grant.Grant.GrantId}", null);
            stdout.WriteLine($"Grant {grant.Grant.GrantId} withdrawn; the grantee had {receipt.AccessedCount} audited accesses. Signed receipt: {saved}");
            stdout.WriteLine(ForProfile(NextHints.AfterReceipt(saved)));
        }
        return 0;
    }

    public async Task<int> ChannelArchive(Guid familyId, Guid channelId)
    {
        var (_, client) = await SignedIn();
        await client.ArchiveChannelAsync(familyId, channelId);
        stdout.WriteLine("Archived: readable, no new messages.");
        return 0;
    }

    /// <summary>--days N, or --days none to keep messages.</summary>
    public async Task<int> ChannelRetention(Guid familyId, Guid channelId, int? days)
    {
        var (_, client) = await SignedIn();
        await client.SetRetentionAsync(familyId, channelId, days);
        stdout.WriteLine(days is null ? "Messages are kept." : $"Messages expire after {days} days.");
        return 0;
    }

    public async Task<int> Send(Guid familyId, Guid channelId, string? text)
    {
        var (_, client) = await SignedIn();
        var sent = await client.SendAsync(familyId, channelId, await MessageText(client, text));
        stdout.WriteLine($"Sent as #{sent.Seq} (message id {sent.ClientMessageId}).");
        return 0;
    }

    public async Task<int> Edit(Guid familyId, Guid channelId, Guid message, string? text)
    {
        var (_, client) = await SignedIn();
        var sent = await client.EditAsync(familyId, channelId, message, await MessageText(client, text));
        stdout.WriteLine($"Edit sent as #{sent.Seq}.");
        return 0;
    }

    public async Task<int> Delete(Guid familyId, Guid channelId, Guid message)
    {
        var (_, client) = await SignedIn();
        var sent = await client.DeleteAsync(familyId, channelId, message);
        stdout.WriteLine($"Deleted (#{sent.Seq}).");
        return 0;
    }

    /// <summary>
    /// --text, else standard input. Scripts written when the CLI still read a passphrase from standard input put it on
    /// the first line, in front of the message: such a first line is checked on this device against the account's key
    /// bundle, and the message refused rather than publish the passphrase to every member of the channel.
    /// </summary>
    private async Task<string> MessageText(VaultClient client, string? text)
    {
        if (text is not null)
        {
            return text.Length > 0 ? text : throw new CliException("--text is empty: give the message text.", ExitCodes.Usage);
        }
        if (promptSecret is not null)
        {
            stderr.WriteLine("Type the message; end it with Ctrl+D on a line of its own.");
        }
        var piped = stdin.ReadToEnd().TrimEnd('\r', '\n');
        if (piped.Length == 0)
        {
            throw new CliException("No message text: give --text TEXT, or pipe the text in (echo TEXT | vault send ...).", ExitCodes.Usage);
        }
        var firstLine = piped.Split('\n', 2)[0].TrimEnd('\r');
        if (firstLine.Length < piped.Length && await client.IsPassphraseAsync(firstLine))
        {
            throw new CliException("The first line of the text is your passphrase: nothing was sent. The passphrase is never read from " +
                "standard input; pipe in only the message, and give the passphrase to `vault login` by VAULT_PASSPHRASE, " +
                "--passphrase-file or the prompt. If a script holds it in plain text, consider `vault passphrase change`.");
        }
        return piped;
    }

    /// <summary>Every message after --after (default: all), page by page; --mark-read records "gelezen" up to the last.</summary>
    public async Task<int> Read(Guid familyId, Guid channelId, long? from, bool markRead)
    {
        var (_, client) = await SignedIn();
        var after = from ?? 0;
        while (true)
        {
            var (messages, last) = await client.HistoryAsync(familyId, channelId, after);
            foreach (var m in messages)
            {
                stdout.WriteLine(Format(m));
                after = m.Seq;
            }
            if (messages.Count == 0 || after >= last)
            {
                break;
            }
        }
        if (markRead && after > 0)
        {
            await client.MarkReadAsync(familyId, channelId, after);
        }
        return 0;
    }

    public async Task<int> Receipts(Guid familyId, Guid channelId)
    {
        var (_, client) = await SignedIn();
        foreach (var r in await client.ReceiptsAsync(familyId, channelId))
        {
            stdout.WriteLine($"{r.UserId} read up to #{r.UpToSeq} at {r.At:yyyy-MM-dd HH:mm}");
        }
        return 0;
    }

    /// <summary>
    /// Prints messages as they arrive, after catching up from the stored cursors; --count N stops after N, --family and
    /// --channel narrow what is shown (cursors of other channels are kept, not advanced past unseen messages).
    /// </summary>
    public async Task<int> Listen(Guid? family, Guid? channel, int? limit)
    {
        var (p, client) = await SignedIn();
        var count = limit ?? int.MaxValue;
        var cursors = new Dictionary<Guid, long>(p.Cursors);
        await using var connection = new VaultConnection(client, p.Cursors);
        await connection.StartAsync();
        for (var shown = 0; shown < count;)
        {
            var message = await connection.Messages.ReadAsync();
            if ((family is null || message.FamilyId == family) && (channel is null || message.ChannelId == channel))
            {
                stdout.WriteLine(Format(message));
                cursors[message.ChannelId] = message.Seq;
                shown++;
                (Stored() with { Cursors = cursors }).Save(home);
            }
        }
        return 0;
    }

    private static string Format(ReceivedMessage m) => m switch
    {
        { Deleted: true } => $"#{m.Seq} {m.SentAt:yyyy-MM-dd HH:mm} {m.SenderUserId}: (deleted)",
        { Authentic: false } => $"#{m.Seq} {m.SentAt:yyyy-MM-dd HH:mm} {m.SenderUserId}: (could not be verified or decrypted)",
        { Kind: "edit" } => $"#{m.Seq} {m.SentAt:yyyy-MM-dd HH:mm} {m.SenderUserId}: (edit of {m.RefClientMessageId}) {m.Text}",
        { Kind: "delete" } => $"#{m.Seq} {m.SentAt:yyyy-MM-dd HH:mm} {m.SenderUserId}: (deleted {m.RefClientMessageId})",
        _ => $"#{m.Seq} {m.SentAt:yyyy-MM-dd HH:mm} {m.SenderUserId}: {m.Text}",
    };
}
