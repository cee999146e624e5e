using Vault.Client;
using Vault.Contracts.Messaging;

namespace Vault.Cli;

/// <summary>
/// A message as `vault read` and `vault listen` show it (and print with --json, camelCase; add fields, never rename one):
/// edits and deletions are folded into the message they change. kind is "message"; it is "edit" or "delete" only for
/// such an envelope whose message is not shown (then refersTo names it). text is null when deleted or not verified.
/// </summary>
internal sealed record MessageJson(Guid FamilyId, Guid ChannelId, long Seq, Guid MessageId, string Kind, Guid? RefersTo, Who Sender,
    DateTimeOffset SentAt, string? Text, bool Verified, bool Edited, DateTimeOffset? EditedAt, bool Deleted)
{
    public static MessageJson Of(ReceivedMessage m, IReadOnlyDictionary<Guid, string?> names) =>
        new(m.FamilyId, m.ChannelId, m.Seq, m.ClientMessageId, m.Kind, m.RefClientMessageId, Who.Of(m.SenderUserId, names), m.SentAt,
            m.Authentic ? m.Text : null, m.Authentic, false, null, m.Deleted);
}

/// <summary>Folds edits and deletions into the messages they change; remembers what it has seen (for `listen`).</summary>
internal sealed class MessageFolder(IReadOnlyDictionary<Guid, string?> names)
{
    private readonly Dictionary<Guid, MessageJson> shown = [];

    /// <summary>
    /// The message as it now reads: for a verified edit or deletion by the sender of a message already seen, that message
    /// changed (and true); else the envelope itself as a line of its own (and false).
    /// </summary>
    public (MessageJson View, bool Folded) Add(ReceivedMessage m)
    {
        if (m.Kind is MessageKinds.Edit or MessageKinds.Delete && m.Authentic && m.RefClientMessageId is { } target
            && shown.TryGetValue(target, out var original) && original.Sender.Id == m.SenderUserId && original.Kind == MessageKinds.Message)
        {
            // Only its own sender may change a message (the server checks it too; the envelope's signature proves who sent it).
            var changed = m.Kind == MessageKinds.Delete || original.Deleted
                ? original with { Text = null, Deleted = true }
                : original with { Text = m.Text, Edited = true, EditedAt = m.SentAt };
            shown[target] = changed;
            return (changed, true);
        }
        var view = MessageJson.Of(m, names);
        if (m.Kind == MessageKinds.Message)
        {
            shown[m.ClientMessageId] = view;
        }
        return (view, false);
    }

    public bool Knows(Guid messageId) => shown.ContainsKey(messageId);

    /// <summary>Every message of <paramref name="messages"/> once, as it now reads, in order.</summary>
    public static List<MessageJson> Fold(IEnumerable<ReceivedMessage> messages, IReadOnlyDictionary<Guid, string?> names)
    {
        var folder = new MessageFolder(names);
        var order = new List<MessageJson>();
        foreach (var m in messages)
        {
            var (view, folded) = folder.Add(m);
            if (!folded)
            {
                order.Add(view);
            }
        }
        return order.Select(v => v.Kind == MessageKinds.Message ? folder.shown[v.MessageId] : v).ToList();
    }
}

internal sealed partial class Context
{
    /// <summary>One line of a transcript: "#3 2026-11-03 10:00 moeder.bakker: text (edited)".</summary>
    private string Line(MessageJson m)
    {
        var body = m switch
        {
            { Kind: MessageKinds.Message, Deleted: true } => Say("(deleted)", "(verwijderd)"),
            { Verified: false } => Say("(could not be verified or decrypted)", "(kon niet worden geverifieerd of ontsleuteld)"),
            { Kind: MessageKinds.Edit } => Say($"(edit of message {m.RefersTo})", $"(bewerking van bericht {m.RefersTo})") + " " + Multiline(m.Text),
            { Kind: MessageKinds.Delete } => Say($"(deleted message {m.RefersTo})", $"(bericht {m.RefersTo} verwijderd)"),
            { Edited: true } => Multiline(m.Text) + " " + Say("(edited)", "(bewerkt)"),
            _ => Multiline(m.Text),
        };
        return $"#{m.Seq} {AtMinute(m.SentAt)} {Safe(m.Sender.Name)}: {body}";
    }

    /// <summary>A message's own lines stay lines, indented under its first; other control characters never reach the terminal.</summary>
    private static string Multiline(string? text) =>
        string.Join("\n  ", (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(Safe));
}
