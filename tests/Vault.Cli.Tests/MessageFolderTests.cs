using Vault.Client;
using Vault.Contracts.Messaging;

namespace Vault.Cli.Tests;

/// <summary>
/// The folding of edits and deletions on its own: the server refuses an edit of someone else's message, so only here can
/// a (verified) envelope that claims to change another sender's message be shown to stay a line of its own.
/// </summary>
public sealed class MessageFolderTests
{
    private static readonly Guid Family = Guid.NewGuid(), Channel = Guid.NewGuid(), Moeder = Guid.NewGuid(), Jansen = Guid.NewGuid();
    private static readonly Dictionary<Guid, string?> Names = new() { [Moeder] = "moeder.bakker", [Jansen] = "coordinator.jansen" };

    [Fact]
    public void Fold_EditBySomeoneElse_NotFoldedShownAsItsOwnLine()
    {
        var original = Message(1, Moeder, MessageKinds.Message, null, "Dinsdag?");
        var forged = Message(2, Jansen, MessageKinds.Edit, original.ClientMessageId, "Nooit");

        var shown = MessageFolder.Fold([original, forged], Names);

        Assert.Equal(2, shown.Count);
        Assert.Equal(("Dinsdag?", false), (shown[0].Text, shown[0].Edited));
        Assert.Equal((MessageKinds.Edit, original.ClientMessageId), (shown[1].Kind, shown[1].RefersTo));
    }

    [Fact]
    public void Fold_UnverifiedDeletion_DoesNotDeleteTheMessage()
    {
        var original = Message(1, Moeder, MessageKinds.Message, null, "Dinsdag?");
        var unverified = Message(2, Moeder, MessageKinds.Delete, original.ClientMessageId, null) with { Authentic = false };

        var shown = MessageFolder.Fold([original, unverified], Names);

        Assert.Equal(2, shown.Count);
        Assert.Equal(("Dinsdag?", false), (shown[0].Text, shown[0].Deleted));
    }

    private static ReceivedMessage Message(long seq, Guid sender, string kind, Guid? target, string? text) =>
        new(Family, Channel, seq, Guid.NewGuid(), sender, Guid.NewGuid(), kind, target, text, Authentic: true, Deleted: false,
            DateTimeOffset.UnixEpoch.AddMinutes(seq));
}
