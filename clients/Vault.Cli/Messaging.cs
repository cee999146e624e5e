using System.Globalization;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Messaging;

namespace Vault.Cli;

/// <summary>
/// `vault channel ...`, `vault send`, `vault read`, `vault listen`, edits, deletions and receipts. Message text comes
/// from --text or, better, standard input (arguments show up in process lists and shell history); the passphrase
/// never does.
/// </summary>
internal sealed partial class Context
{
    /// <summary>--members USER[:read|write],... ; the signing guardian's device signs each grant.</summary>
    public async Task<int> ChannelCreate(Guid familyId, string name, string purpose, IReadOnlyList<MemberSpec> members, int? retention,
        Guid? about, bool json)
    {
        var (_, client) = await SignedIn();
        var channel = await client.CreateChannelAsync(familyId, name,
            members.Select(m => new ChannelMember(m.User, m.Permission, purpose)).ToList(), retention, subjectUserId: about);
        if (json)
        {
            WriteJson(new ChannelJson(channel.Id, channel.FamilyId, name, channel.LastSeq, channel.RetentionDays, channel.CreatedAt, channel.ArchivedAt));
            return 0;
        }
        stdout.WriteLine($"Channel {channel.Id} opened.");
        stdout.WriteLine(NextHints.AfterChannelCreate(familyId, channel.Id));
        return 0;
    }

    public async Task<int> ChannelList(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        var channels = (await client.ListChannelsAsync(familyId)).Select(c => new ChannelJson(c.Channel.Id, c.Channel.FamilyId, c.Name,
            c.Channel.LastSeq, c.Channel.RetentionDays, c.Channel.CreatedAt, c.Channel.ArchivedAt)).ToList();
        if (json)
        {
            WriteJson(channels);
            return 0;
        }
        if (channels.Count == 0)
        {
            stderr.WriteLine(Say("No channels you can read in this family.", "Geen kanalen in dit gezin die u kunt lezen."));
        }
        Table([Say("ID", "ID"), Say("NAME", "NAAM"), Say("LAST #", "LAATSTE #"), Say("KEPT", "BEWAARD"), Say("STATE", "STATUS")],
            channels.Select(c => new[]
            {
                c.Id.ToString(), c.Name ?? Say("(no key)", "(geen sleutel)"), c.LastSeq.ToString(CultureInfo.InvariantCulture),
                c.RetentionDays is { } d ? Count(d, "day", "days", "dag", "dagen") : Say("no limit", "onbeperkt"),
                c.ArchivedAt is null ? Say("open", "open") : Say("archived", "gearchiveerd"),
            }));
        return 0;
    }

    /// <summary>A guardian signs a grant for the channel and shares its current key (--history: older epochs too).</summary>
    public async Task<int> ChannelAddMember(Guid familyId, Guid channelId, Guid user, string? permission, string purpose,
        string? basis, bool history, bool json)
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(familyId, user, ConsentScopes.Channel(channelId),
            permission ?? Permissions.Write, purpose, basis ?? "consent");
        var response = await client.GrantAsync(grant, shareHistory: history);
        if (json)
        {
            WriteJson(await GrantViewAsync(client, familyId, response));
            return 0;
        }
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}.");
        return 0;
    }

    /// <summary>Withdraws every active grant the user holds on the channel; the channel's key rotates before the next message.</summary>
    public async Task<int> ChannelRemoveMember(Guid familyId, Guid channelId, Guid user, string? reason, bool json)
    {
        var (_, client) = await SignedIn();
        var scope = ConsentScopes.Channel(channelId);
        var grants = (await client.ListGrantsAsync(familyId)).Where(g => g.Grant.GranteeUserId == user && g.Grant.Scope == scope
            && g.Status is GrantStatus.Active or GrantStatus.Pending or GrantStatus.NotYetValid).ToList();
        if (grants.Count == 0)
        {
            throw new CliException("That user holds no grant on this channel: nothing to withdraw (`vault grants --family ID` lists the grants).");
        }
        var receipts = new List<WithdrawalJson>();
        foreach (var grant in grants)
        {
            var (receipt, signed) = await client.WithdrawGrantSignedAsync(familyId, grant.Grant.GrantId, reason);
            var saved = KeepReceipt(client, signed, $"withdrawal-{grant.Grant.GrantId}", null);
            receipts.Add(await WithdrawalViewAsync(client, receipt) with { ReceiptFile = saved });
            if (!json)
            {
                var accessed = Count(receipt.AccessedCount, "audited access", "audited accesses", "vastgelegde toegang", "vastgelegde toegangen");
                stdout.WriteLine(Say($"Grant {grant.Grant.GrantId} withdrawn; the grantee had {accessed}. Signed receipt: {saved}",
                    $"Toestemming {grant.Grant.GrantId} ingetrokken; de ontvanger had {accessed}. Ondertekend ontvangstbewijs: {saved}"));
                stdout.WriteLine(ForProfile(NextHints.AfterReceipt(saved)));
            }
        }
        if (json)
        {
            WriteJson(receipts);
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
        stdout.WriteLine(days is { } d
            ? Say($"Messages expire after {Count(d, "day", "days", "dag", "dagen")}.", $"Berichten vervallen na {Count(d, "day", "days", "dag", "dagen")}.")
            : Say("Messages are kept.", "Berichten worden bewaard."));
        return 0;
    }

    public async Task<int> Send(Guid familyId, Guid channelId, string? text, bool json)
    {
        var (_, client) = await SignedIn();
        var sent = await client.SendAsync(familyId, channelId, await MessageText(client, text));
        return Sent(sent, json, $"Sent as #{sent.Seq} (message id {sent.ClientMessageId}).");
    }

    /// <summary>What `send`, `edit` and `delete --json` print: the envelope's number and ids (refersTo: the message changed).</summary>
    private int Sent(MessageDelivery sent, bool json, string line)
    {
        if (json)
        {
            WriteJson(new SentJson(sent.FamilyId, sent.ChannelId, sent.Seq, sent.ClientMessageId, sent.Kind, sent.RefClientMessageId, sent.SentAt));
            return 0;
        }
        stdout.WriteLine(line);
        return 0;
    }

    public async Task<int> Edit(Guid familyId, Guid channelId, Guid message, string? text, bool json)
    {
        var (_, client) = await SignedIn();
        var sent = await client.EditAsync(familyId, channelId, message, await MessageText(client, text));
        return Sent(sent, json, $"Edit sent as #{sent.Seq}.");
    }

    public async Task<int> Delete(Guid familyId, Guid channelId, Guid message, bool json)
    {
        var (_, client) = await SignedIn();
        var sent = await client.DeleteAsync(familyId, channelId, message);
        return Sent(sent, json, $"Deleted (#{sent.Seq}).");
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
}

/// <summary>What `vault channel list|create --json` print per channel (camelCase; add fields, never rename one).</summary>
internal sealed record ChannelJson(Guid Id, Guid FamilyId, string? Name, long LastSeq, int? RetentionDays, DateTimeOffset CreatedAt,
    DateTimeOffset? ArchivedAt);

/// <summary>What `vault send|edit|delete --json` print: the envelope stored; refersTo is the message an edit or deletion changes.</summary>
internal sealed record SentJson(Guid FamilyId, Guid ChannelId, long Seq, Guid MessageId, string Kind, Guid? RefersTo, DateTimeOffset SentAt);
