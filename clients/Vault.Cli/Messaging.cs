using Vault.Client;
using Vault.Contracts;

namespace Vault.Cli;

/// <summary>`vault channel ...`, `vault send`, `vault read`, `vault listen`.</summary>
internal sealed partial class Context
{
    private Guid ChannelId() => Guid.Parse(options.Require("channel"));

    /// <summary>--members USER[:read|write],... ; the signing guardian's device signs each grant.</summary>
    public async Task<int> ChannelCreate()
    {
        var (_, client) = await SignedIn();
        var purpose = options.Require("purpose");
        var members = (options.Get("members") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.Split(':'))
            .Select(m => new ChannelMember(Guid.Parse(m[0]), m.Length > 1 ? m[1] : Permissions.Write, purpose)).ToList();
        var retention = options.Get("retention-days") is { } days ? int.Parse(days, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
        var channel = await client.CreateChannelAsync(Family(), options.Require("name"), members, retention);
        stdout.WriteLine($"Channel {channel.Id} opened.");
        return 0;
    }

    public async Task<int> ChannelList()
    {
        var (_, client) = await SignedIn();
        foreach (var c in await client.ListChannelsAsync(Family()))
        {
            stdout.WriteLine($"{c.Channel.Id}  {c.Name ?? "(no key)",-24} {c.Channel.LastSeq,6} messages{(c.Channel.ArchivedAt is null ? "" : "  archived")}");
        }
        return 0;
    }

    public async Task<int> Send()
    {
        var (_, client) = await SignedIn();
        var text = options.Get("text") ?? throw new ArgumentException("--text is required.");
        var sent = await client.SendAsync(Family(), ChannelId(), text);
        stdout.WriteLine($"Sent as #{sent.Seq}.");
        return 0;
    }

    public async Task<int> Read()
    {
        var (_, client) = await SignedIn();
        var after = options.Get("after") is { } a ? long.Parse(a, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var (messages, _) = await client.HistoryAsync(Family(), ChannelId(), after);
        foreach (var m in messages)
        {
            stdout.WriteLine(Format(m));
        }
        return 0;
    }

    /// <summary>Prints messages as they arrive (after catching up from the stored cursors); --count N stops after N.</summary>
    public async Task<int> Listen()
    {
        var (p, client) = await SignedIn();
        var count = options.Get("count") is { } c ? int.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
        await using var connection = new VaultConnection(client, p.Cursors);
        await connection.StartAsync();
        for (var shown = 0; shown < count; shown++)
        {
            var message = await connection.Messages.ReadAsync();
            stdout.WriteLine(Format(message));
            (Stored() with { Cursors = new Dictionary<Guid, long>(connection.Cursors) }).Save(home);
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
