using Vault.Client;
using Vault.Contracts;

namespace Vault.Cli;

/// <summary>What `vault receipts --json` prints per reader (camelCase; add fields, never rename one).</summary>
internal sealed record ReceiptJson(Who Reader, long UpToSeq, DateTimeOffset At);

/// <summary>`vault read`, `vault receipts`, `vault listen`: messages decrypted and verified on this device, with names.</summary>
internal sealed partial class Context
{
    /// <summary>Every message after --after (default: all), page by page; --mark-read records "gelezen" up to the last.</summary>
    public async Task<int> Read(Guid familyId, Guid channelId, long? from, bool markRead, bool json)
    {
        var (_, client) = await SignedIn();
        var after = from ?? 0;
        var messages = new List<ReceivedMessage>();
        while (true)
        {
            var (page, last) = await client.HistoryAsync(familyId, channelId, after);
            messages.AddRange(page);
            after = page.Count > 0 ? page[^1].Seq : after;
            if (page.Count == 0 || after >= last)
            {
                break;
            }
        }
        var shown = MessageFolder.Fold(messages, await UsernamesAsync(client, messages.Select(m => m.SenderUserId)));
        if (json)
        {
            WriteJson(shown);
        }
        else
        {
            foreach (var m in shown)
            {
                stdout.WriteLine(Line(m));
            }
        }
        if (markRead && after > 0)
        {
            await client.MarkReadAsync(familyId, channelId, after);
        }
        return 0;
    }

    public async Task<int> Receipts(Guid familyId, Guid channelId, bool json)
    {
        var (_, client) = await SignedIn();
        var receipts = await client.ReceiptsAsync(familyId, channelId);
        var names = await UsernamesAsync(client, receipts.Select(r => r.UserId));
        var rows = receipts.Select(r => new ReceiptJson(Who.Of(r.UserId, names), r.UpToSeq, r.At)).ToList();
        if (json)
        {
            WriteJson(rows);
            return 0;
        }
        if (rows.Count == 0)
        {
            stderr.WriteLine(Say("Nobody has marked this channel read yet.", "Nog niemand heeft dit kanaal als gelezen gemarkeerd."));
        }
        Table([Say("READER", "LEZER"), Say("READ UP TO", "GELEZEN TOT"), Say("AT (UTC)", "OP (UTC)"), Say("USER ID", "GEBRUIKERS-ID")],
            rows.Select(r => new[] { r.Reader.Name, $"#{r.UpToSeq}", AtMinute(r.At), r.Reader.Id.ToString() }));
        return 0;
    }

    /// <summary>
    /// Prints messages as they arrive, after catching up from where this account last read: per channel the later of this
    /// device's cursor (what listen showed) and the account's read position on the server (`read --mark-read`, any
    /// device). --count N stops after N; --family and --channel narrow what is shown (cursors of other channels are kept,
    /// not advanced past unseen messages). An edit or deletion prints the message it changes, marked.
    /// </summary>
    public async Task<int> Listen(Guid? family, Guid? channel, int? limit, bool json)
    {
        var (p, client) = await SignedIn();
        var count = limit ?? int.MaxValue;
        var cursors = await StartingCursorsAsync(client, p);
        var names = new Dictionary<Guid, string?>();
        var folder = new MessageFolder(names);
        var loaded = new HashSet<Guid>();
        await using var connection = new VaultConnection(client, cursors);
        await connection.StartAsync();
        for (var shown = 0; shown < count;)
        {
            var message = await connection.Messages.ReadAsync();
            if ((family is not null && message.FamilyId != family) || (channel is not null && message.ChannelId != channel))
            {
                continue;
            }
            foreach (var (id, name) in await UsernamesAsync(client, [message.SenderUserId]))
            {
                names[id] = name;
            }
            if (message.RefClientMessageId is { } target && !folder.Knows(target) && loaded.Add(message.ChannelId))
            {
                await LearnChannelAsync(client, folder, names, message); // the message changed was shown before this listen
            }
            var (view, _) = folder.Add(message);
            stdout.WriteLine(json ? System.Text.Json.JsonSerializer.Serialize(view, Output.JsonLine) : Line(view));
            stdout.Flush();
            cursors[message.ChannelId] = message.Seq;
            shown++;
            (Stored() with { Cursors = cursors }).Save(home);
        }
        return 0;
    }

    /// <summary>Per channel, the later of this device's cursor and the account's own read receipt on the server.</summary>
    private static async Task<Dictionary<Guid, long>> StartingCursorsAsync(VaultClient client, Profile p)
    {
        var cursors = new Dictionary<Guid, long>(p.Cursors);
        foreach (var family in await client.ListFamiliesAsync())
        {
            foreach (var c in await client.ListChannelsAsync(family.Id))
            {
                var local = cursors.GetValueOrDefault(c.Channel.Id);
                if (c.Channel.LastSeq <= local)
                {
                    continue; // nothing new: no need to ask where the account read up to
                }
                cursors[c.Channel.Id] = Math.Max(local, await ReadUpToAsync(client, family.Id, c.Channel.Id, p.UserId));
            }
        }
        return cursors;
    }

    private static async Task<long> ReadUpToAsync(VaultClient client, Guid familyId, Guid channelId, Guid me)
    {
        try
        {
            return (await client.ReceiptsAsync(familyId, channelId)).Where(r => r.UserId == me).Select(r => r.UpToSeq).DefaultIfEmpty(0).Max();
        }
        catch (VaultApiException e) when (e.Status == 403)
        {
            return 0; // receipts not shown to this account: listen starts from this device's own cursor
        }
    }

    /// <summary>The channel's messages up to <paramref name="upTo"/>, so an edit or deletion finds the message it changes.</summary>
    private static async Task LearnChannelAsync(VaultClient client, MessageFolder folder, Dictionary<Guid, string?> names, ReceivedMessage upTo)
    {
        var after = 0L;
        while (after < upTo.Seq - 1)
        {
            var (page, _) = await client.HistoryAsync(upTo.FamilyId, upTo.ChannelId, after);
            foreach (var m in page.Where(m => m.Seq < upTo.Seq))
            {
                if (!names.ContainsKey(m.SenderUserId))
                {
                    foreach (var (id, name) in await UsernamesAsync(client, [m.SenderUserId]))
                    {
                        names[id] = name;
                    }
                }
                folder.Add(m);
            }
            if (page.Count == 0)
            {
                return;
            }
            after = page[^1].Seq;
        }
    }
}
