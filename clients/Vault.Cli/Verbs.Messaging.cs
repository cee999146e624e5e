using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault channel ...`, `vault send`, `vault edit`, `vault delete`, `vault read`, `vault receipts`, `vault listen`.</summary>
internal static partial class Verbs
{
    private const string Text = "The message text. Without it the text is read from standard input (better: arguments " +
                                "show up in process lists and shell history). Never put the passphrase there.";

    private static Command Channel(Context c)
    {
        var family = Opt.Family();
        var name = Opt.Text("--name", "The channel's name (encrypted: the server never sees it).", "NAME", required: true);
        var purpose = Opt.Text("--purpose", "Why the members get access: recorded with each grant.", "TEXT", required: true);
        var members = Opt.Members("Who else joins, each with read or write (default write).");
        var retention = Opt.Number("--retention-days", "Delete messages after this many days (default: kept).", "N", 1);
        var about = Opt.Id("--about", "The child the channel is about: a child of 12 to 15 co-signs its members' grants (`vault cosign`), " +
            "from 16 signs alone. A username or id.", "`vault family members --family ID` shows the children", required: false);
        var createJson = Opt.Json();
        var create = new Verb("create", "Open a channel (guardians sign the members' grants on this device).",
            $"vault channel create --family {SomeId} --name kennismaking --purpose \"kennismaking\" --members {SomeId}",
            $"vault channel create --family {SomeId} --name school --purpose \"schoolcontact\" --members {SomeId}:read --retention-days 365",
            "vault channel create --family KG-2026-7 --name \"over Sam\" --purpose \"begeleiding\" --members wijkcoach.samira --about sam")
        {
            family, name, purpose, members, retention, about, createJson,
        }.Does(r => c.ChannelCreate(r.Must(family), r.Must(name), r.Must(purpose), r.GetValue(members) ?? [], r.GetValue(retention),
            r.GetValue(about), r.GetValue(createJson)));

        var (listFamily, listJson) = (Opt.Family(), Opt.Json());
        var list = new Verb("list", "List a family's channels you can read: id, name (decrypted here), messages, retention.",
            $"vault channel list --family {SomeId}", $"vault channel list --family {SomeId} --json")
        {
            listFamily, listJson,
        }.Does(r => c.ChannelList(r.Must(listFamily), r.GetValue(listJson)));

        var (addFamily, addChannel) = (Opt.Family(), Opt.Channel());
        var addUser = Opt.User("Who joins.");
        var addPurpose = Opt.Text("--purpose", "Why they get access: recorded with the grant.", "TEXT", required: true);
        var permission = Opt.Permission("Default write.");
        var basis = Opt.Text("--basis", "The legal basis (default consent).", "BASIS");
        var history = Opt.Flag("--history", "Share the earlier messages too (default: only from now on).");
        var addJson = Opt.Json();
        var add = new Verb("add-member", "Add someone to a channel: a guardian signs the grant and shares the channel's key.",
            $"vault channel add-member --family {SomeId} --channel {SomeId} --user {SomeId} --purpose \"begeleiding\" --history")
        {
            addFamily, addChannel, addUser, addPurpose, permission, basis, history, addJson,
        }.Does(r => c.ChannelAddMember(r.Must(addFamily), r.Must(addChannel), r.Must(addUser), r.GetValue(permission),
            r.Must(addPurpose), r.GetValue(basis), r.GetValue(history), r.GetValue(addJson)));

        var (removeFamily, removeChannel) = (Opt.Family(), Opt.Channel());
        var removeUser = Opt.User("Who leaves.");
        var reason = Opt.Text("--reason", "Why (recorded).", "TEXT");
        var removeJson = Opt.Json();
        var remove = new Verb("remove-member", "Withdraw someone's grants on a channel; its key rotates before the next message.",
            $"vault channel remove-member --family {SomeId} --channel {SomeId} --user {SomeId} --reason \"traject afgerond\"")
        {
            removeFamily, removeChannel, removeUser, reason, removeJson,
        }.Does(r => c.ChannelRemoveMember(r.Must(removeFamily), r.Must(removeChannel), r.Must(removeUser), r.GetValue(reason),
            r.GetValue(removeJson)));

        var (archiveFamily, archiveChannel) = (Opt.Family(), Opt.Channel());
        var archive = new Verb("archive", "Archive a channel: it stays readable and takes no new messages.",
            $"vault channel archive --family {SomeId} --channel {SomeId}")
        {
            archiveFamily, archiveChannel,
        }.Does(r => c.ChannelArchive(r.Must(archiveFamily), r.Must(archiveChannel)));

        var (keepFamily, keepChannel) = (Opt.Family(), Opt.Channel());
        var days = Opt.DaysOrNone("How many days messages are kept, or none to keep them.");
        var retentionVerb = new Verb("retention", "Set how long a channel's messages are kept.",
            $"vault channel retention --family {SomeId} --channel {SomeId} --days 365",
            $"vault channel retention --family {SomeId} --channel {SomeId} --days none")
        {
            keepFamily, keepChannel, days,
        }.Does(r => c.ChannelRetention(r.Must(keepFamily), r.Must(keepChannel), Opt.NoneIsNull(r.GetValue(days))));

        return new Command("channel", "Channels: open, list, members, archive, retention.")
        {
            create, list, add, remove, archive, retentionVerb,
        };
    }

    private static Verb Send(Context c)
    {
        var (family, channel, text, json) = (Opt.Family(), Opt.Channel(), Opt.Text("--text", Text, "TEXT"), Opt.Json());
        return new Verb("send", "Send a message to a channel (encrypted and signed on this device).",
            $"echo \"Dinsdag om tien uur?\" | vault send --family {SomeId} --channel {SomeId}",
            $"vault send --family {SomeId} --channel {SomeId} < bericht.txt")
        {
            family, channel, text, json,
        }.Does(r => c.Send(r.Must(family), r.Must(channel), r.GetValue(text), r.GetValue(json)));
    }

    private static Verb Edit(Context c)
    {
        var (family, channel, text, json) = (Opt.Family(), Opt.Channel(), Opt.Text("--text", Text, "TEXT"), Opt.Json());
        var message = Opt.Id("--message", "The message to correct.", "`vault send` printed it; `vault read --json` shows every message's id");
        return new Verb("edit", "Correct one of your messages (the original stays in the history as edited).",
            $"echo \"Woensdag om tien uur?\" | vault edit --family {SomeId} --channel {SomeId} --message {SomeId}")
        {
            family, channel, message, text, json,
        }.Does(r => c.Edit(r.Must(family), r.Must(channel), r.Must(message), r.GetValue(text), r.GetValue(json)));
    }

    private static Verb Delete(Context c)
    {
        var (family, channel, json) = (Opt.Family(), Opt.Channel(), Opt.Json());
        var message = Opt.Id("--message", "The message to delete.", "`vault send` printed it; `vault read --json` shows every message's id");
        return new Verb("delete", "Delete one of your messages for everyone.",
            $"vault delete --family {SomeId} --channel {SomeId} --message {SomeId}")
        {
            family, channel, message, json,
        }.Does(r => c.Delete(r.Must(family), r.Must(channel), r.Must(message), r.GetValue(json)));
    }

    private static Verb Read(Context c)
    {
        var (family, channel) = (Opt.Family(), Opt.Channel());
        var after = Opt.Number("--after", "Only messages after this number (default: all).", "SEQ", 0L);
        var markRead = Opt.Flag("--mark-read", "Record that you have read up to the last message shown (\"gelezen\"); `vault listen` goes on from there.");
        var json = Opt.Json();
        return new Verb("read", "Show a channel's messages, decrypted and verified on this device, with their senders' names. An " +
            "edited message shows its latest text marked (edited), a deleted one (deleted); the edits themselves are no lines of their own.",
            $"vault read --family {SomeId} --channel {SomeId} --mark-read",
            $"vault read --family {SomeId} --channel {SomeId} --after 40",
            $"vault read --family {SomeId} --channel {SomeId} --json")
        {
            family, channel, after, markRead, json,
        }.Does(r => c.Read(r.Must(family), r.Must(channel), r.GetValue(after), r.GetValue(markRead), r.GetValue(json)));
    }

    private static Verb Receipts(Context c)
    {
        var (family, channel, json) = (Opt.Family(), Opt.Channel(), Opt.Json());
        return new Verb("receipts", "Show who has read a channel up to which message.",
            $"vault receipts --family {SomeId} --channel {SomeId}", $"vault receipts --family {SomeId} --channel {SomeId} --json")
        {
            family, channel, json,
        }.Does(r => c.Receipts(r.Must(family), r.Must(channel), r.GetValue(json)));
    }

    private static Verb Listen(Context c)
    {
        var (family, channel) = (Opt.Family(required: false), Opt.Channel(required: false));
        var count = Opt.Number("--count", "Stop after this many messages (default: keep listening).", "N", 1);
        var json = Opt.Json();
        json.Description = "Print each message as one JSON object per line (JSON Lines), as `vault read --json` shows them.";
        return new Verb("listen",
            "Print messages as they arrive, after catching up from what you last read: per channel, the later of where listen " +
            "stopped on this device and where `vault read --mark-read` marked the channel read (on any device). An edit or " +
            "deletion prints the message it changes, marked (edited) or (deleted).",
            "vault listen", $"vault listen --family {SomeId} --count 1", "vault listen --json")
        {
            family, channel, count, json,
        }.Does(r => c.Listen(r.GetValue(family), r.GetValue(channel), r.GetValue(count), r.GetValue(json)));
    }
}
