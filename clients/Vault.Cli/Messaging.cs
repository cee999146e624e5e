using System.Globalization;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// `vault channel ...`, `vault send`, `vault read`, `vault listen`, edits, deletions and receipts. Message text comes
/// from --text or, better, standard input: arguments show up in process lists and shell history.
/// </summary>
internal sealed partial class Context
{
    private Guid ChannelId() => Guid.Parse(options.Require("channel"));

    private static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>--members USER[:read|write],... ; the signing guardian's device signs each grant.</summary>
    public async Task<int> ChannelCreate()
    {
        var (_, client) = await SignedIn();
        var purpose = options.Require("purpose");
        var members = (options.Get("members") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.Split(':'))
            .Select(m => new ChannelMember(Guid.Parse(m[0]), m.Length > 1 ? m[1] : Permissions.Write, purpose)).ToList();
        var retention = options.Get("retention-days") is { } days ? Number(days) : (int?)null;
        var channel = await client.CreateChannelAsync(Family(), options.Require("name"), members, retention);
        stdout.WriteLine($"Channel {channel.Id} opened.");
        return 0;
    }

    public async Task<int> ChannelList()
    {
        var (_, client) = await SignedIn();
        foreach (var c in await client.ListChannelsAsync(Family()))
        {
            var retention = c.Channel.RetentionDays is { } d ? $"  kept {d} days" : "";
            stdout.WriteLine($"{c.Channel.Id}  {c.Name ?? "(no key)",-24} {c.Channel.LastSeq,6} messages{retention}" +
                (c.Channel.ArchivedAt is null ? "" : "  archived"));
        }
        return 0;
    }

    /// <summary>A guardian signs a grant for the channel and shares its current key (--history: older epochs too).</summary>
    public async Task<int> ChannelAddMember()
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(Family(), Guid.Parse(options.Require("user")), ConsentScopes.Channel(ChannelId()),
            options.Get("permission") ?? Permissions.Write, options.Require("purpose"), options.Get("basis") ?? "consent");
        var response = await client.GrantAsync(grant, shareHistory: options.Has("history"));
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}.");
        return 0;
    }

    /// <summary>Withdraws every active grant the user holds on the channel; the channel's key rotates before the next message.</summary>
    public async Task<int> ChannelRemoveMember()
    {
        var (_, client) = await SignedIn();
        var user = Guid.Parse(options.Require("user"));
        var scope = ConsentScopes.Channel(ChannelId());
        var grants = (await client.ListGrantsAsync(Family())).Where(g => g.Grant.GranteeUserId == user && g.Grant.Scope == scope
            && g.Status is GrantStatus.Active or GrantStatus.Pending or GrantStatus.NotYetValid).ToList();
        if (grants.Count == 0)
        {
            throw new InvalidOperationException("That user holds no grant on this channel.");
        }
        foreach (var grant in grants)
        {
            var receipt = await client.WithdrawGrantAsync(Family(), grant.Grant.GrantId, options.Get("reason"));
            stdout.WriteLine($"Grant {grant.Grant.GrantId} withdrawn; the grantee had {receipt.AccessedCount} audited accesses.");
        }
        return 0;
    }

    public async Task<int> ChannelArchive()
    {
        var (_, client) = await SignedIn();
        await client.ArchiveChannelAsync(Family(), ChannelId());
        stdout.WriteLine("Archived: readable, no new messages.");
        return 0;
    }

    /// <summary>--days N, or --days none to keep messages.</summary>
    public async Task<int> ChannelRetention()
    {
        var (_, client) = await SignedIn();
        var days = options.Require("days") is "none" ? (int?)null : Number(options.Require("days"));
        await client.SetRetentionAsync(Family(), ChannelId(), days);
        stdout.WriteLine(days is null ? "Messages are kept." : $"Messages expire after {days} days.");
        return 0;
    }

    public async Task<int> Send()
    {
        var (_, client) = await SignedIn();
        var sent = await client.SendAsync(Family(), ChannelId(), MessageText());
        stdout.WriteLine($"Sent as #{sent.Seq} (message id {sent.ClientMessageId}).");
        return 0;
    }

    public async Task<int> Edit()
    {
        var (_, client) = await SignedIn();
        var sent = await client.EditAsync(Family(), ChannelId(), Guid.Parse(options.Require("message")), MessageText());
        stdout.WriteLine($"Edit sent as #{sent.Seq}.");
        return 0;
    }

    public async Task<int> Delete()
    {
        var (_, client) = await SignedIn();
        var sent = await client.DeleteAsync(Family(), ChannelId(), Guid.Parse(options.Require("message")));
        stdout.WriteLine($"Deleted (#{sent.Seq}).");
        return 0;
    }

    private string MessageText()
    {
        var text = options.Get("text") ?? stdin.ReadToEnd().TrimEnd('\r', '\n');
        return text.Length > 0 ? text : throw new ArgumentException("No message: give --text or pipe the text in.");
    }

    /// <summary>Every message after --after (default: all), page by page; --mark-read records "gelezen" up to the last.</summary>
    public async Task<int> Read()
    {
        var (_, client) = await SignedIn();
        var after = options.Get("after") is { } a ? long.Parse(a, CultureInfo.InvariantCulture) : 0;
        while (true)
        {
            var (messages, last) = await client.HistoryAsync(Family(), ChannelId(), after);
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
        if (options.Has("mark-read") && after > 0)
        {
            await client.MarkReadAsync(Family(), ChannelId(), after);
        }
        return 0;
    }

    public async Task<int> Receipts()
    {
        var (_, client) = await SignedIn();
        foreach (var r in await client.ReceiptsAsync(Family(), ChannelId()))
        {
            stdout.WriteLine($"{r.UserId} read up to #{r.UpToSeq} at {r.At:yyyy-MM-dd HH:mm}");
        }
        return 0;
    }

    /// <summary>
    /// Prints messages as they arrive, after catching up from the stored cursors; --count N stops after N, --family and
    /// --channel narrow what is shown (cursors of other channels are kept, not advanced past unseen messages).
    /// </summary>
    public async Task<int> Listen()
    {
        var (p, client) = await SignedIn();
        var count = options.Get("count") is { } c ? Number(c) : int.MaxValue;
        var family = options.Get("family") is { } f ? Guid.Parse(f) : (Guid?)null;
        var channel = options.Get("channel") is { } ch ? Guid.Parse(ch) : (Guid?)null;
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
