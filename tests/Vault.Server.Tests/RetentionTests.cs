namespace Vault.Server.Tests;

/// <summary>
/// The content clocks: a category's and the channels' purge exactly what expired — not another family's, not a newer
/// one's, not a held one's — audited per family and part; a round cut short by the store leaves a consistent state
/// that the next round finishes; families past their whole content clock are handed on, not purged here.
/// </summary>
public sealed class RetentionTests() : RetentionScenario(new VaultServer())
{
    [Fact]
    public async Task Round_CategoryAndChannelClocks_PurgeExactlyWhatExpired()
    {
        var expiredHold = First;                            // ended 6 years ago, its hold ended yesterday
        var newer = await SeedFamilyAsync("KG-2026-B");     // ended 3 years ago: overig (2) expired, channels (5) not
        var heldForever = await SeedFamilyAsync("KG-2026-C"); // ended 6 years ago, held without end
        var heldLonger = await SeedFamilyAsync("KG-2026-D");  // ended 6 years ago, held until next year
        var open = await SeedFamilyAsync("KG-2026-E");        // reopened: no end day, no clock runs
        var recent = await SeedFamilyAsync("KG-2026-F");      // ended a year ago: no clock has run out
        await UploadAsync(newer.FamilyId, "voortgang", 10, seed: 4); // 4 years: not yet
        await UploadAsync(expiredHold.FamilyId, "voortgang", 10, seed: 5);            // 6 years: gone
        await UploadAsync(expiredHold.FamilyId, "overig", 300, seed: 3, expiredHold.Overig); // a second version goes too
        await Coordinator.UpdateTrajectAsync(open.FamilyId, "active", null);
        Ended(expiredHold.FamilyId, 6, "Jeugdwet art. 7.3.8", Today.AddDays(-1));
        Ended(newer.FamilyId, 3);
        Ended(recent.FamilyId, 1);
        Ended(heldForever.FamilyId, 6, "rechtszaak");
        Ended(heldLonger.FamilyId, 6, "Jeugdwet art. 7.3.8", Today.AddYears(1));
        var overigUploads = UploadsOf(expiredHold.Overig).Concat(UploadsOf(newer.Overig)).ToList();
        var keptUploads = UploadsOf(expiredHold.Verslag).Concat(UploadsOf(heldForever.Overig)).ToList();
        Assert.Equal(3, overigUploads.Count);
        Assert.All(overigUploads.Concat(keptUploads), u => Assert.Equal(1, BlobFiles(u)));

        var round = await Job.RunRoundAsync(CancellationToken.None);

        Assert.Equal((3, 3, 0), (round.Documents, round.Messages, round.AuditEntries));
        Assert.Equal(new[] { heldForever.FamilyId, heldLonger.FamilyId }.Order(), round.Held.Order());
        Assert.Empty(round.DueForErasure);
        Assert.Equal((0L, 1L, 0L), (Documents(expiredHold.FamilyId, "overig"), Documents(expiredHold.FamilyId, "verslag"), Messages(expiredHold.FamilyId)));
        Assert.Equal((0L, 1L, 3L), (Documents(newer.FamilyId, "overig"), Documents(newer.FamilyId, "verslag"), Messages(newer.FamilyId)));
        Assert.Equal((0L, 1L), (Documents(expiredHold.FamilyId, "voortgang"), Documents(newer.FamilyId, "voortgang")));
        foreach (var kept in new[] { heldForever, heldLonger, open, recent })
        {
            Assert.Equal((1L, 1L, 3L), (Documents(kept.FamilyId, "overig"), Documents(kept.FamilyId, "verslag"), Messages(kept.FamilyId)));
        }
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM DocumentVersions WHERE DocumentId IN (@a, @b)", ("a", expiredHold.Overig), ("b", newer.Overig)));
        Assert.All(overigUploads, u => Assert.Equal(0, BlobFiles(u)));
        Assert.All(keptUploads, u => Assert.Equal(1, BlobFiles(u)));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM DocumentUploads WHERE DocumentId IN (@a, @b)", ("a", expiredHold.Overig), ("b", newer.Overig)));
        AssertEveryObjectHasARow();
        Assert.Equal(["retention.documents.purged retention/category/overig/1", "retention.documents.purged retention/category/voortgang/1",
            "retention.messages.purged retention/channels/messages/3"], RetentionEntries(expiredHold.FamilyId));
        Assert.Equal(["retention.documents.purged retention/category/overig/1"], RetentionEntries(newer.FamilyId));
        Assert.All(new[] { heldForever, heldLonger, open, recent }, kept => Assert.Empty(RetentionEntries(kept.FamilyId)));

        // What stayed is still whole: the verslag of a purged family downloads.
        using var sink = new HashSinkStream();
        await Guardian.DownloadDocumentAsync(expiredHold.FamilyId, expiredHold.Verslag, 1, sink);
        Assert.Equal(PatternStream.Hash(200, 2), sink.Hash());

        // A second round finds nothing more, and audits nothing.
        var entries = Count("SELECT COUNT(*) FROM AuditEntries");
        var again = await Job.RunRoundAsync(CancellationToken.None);
        Assert.Equal((0, 0, 0), (again.Documents, again.Messages, again.AuditEntries));
        Assert.Equal(entries, Count("SELECT COUNT(*) FROM AuditEntries"));
    }

    [Fact]
    public async Task RunRound_ContentClockRunOut_UnheldFamiliesErasedWithReceipts()
    {
        var due = First;
        var newer = await SeedFamilyAsync("KG-2026-B");
        var held = await SeedFamilyAsync("KG-2026-C");
        var erasing = await SeedFamilyAsync("KG-2026-D");
        var holdOver = await SeedFamilyAsync("KG-2026-E");
        Ended(due.FamilyId, 20);
        Ended(newer.FamilyId, 19);
        Ended(held.FamilyId, 25, "Jeugdwet art. 7.3.8", Today); // its last day
        Ended(erasing.FamilyId, 25);
        Ended(holdOver.FamilyId, 25, "rechtszaak", Today.AddDays(-1));
        Server.Sql("UPDATE Families SET ErasingSince = @t WHERE Id = @id", ("t", DateTimeOffset.UtcNow), ("id", erasing.FamilyId));

        var round = await Job.RunRoundAsync(CancellationToken.None);

        Assert.Equal(new[] { holdOver.FamilyId, due.FamilyId }, round.DueForErasure);
        // Those two are erased as a request would erase them, each with its signed receipt; the others stay.
        foreach (var gone in new[] { due.FamilyId, holdOver.FamilyId })
        {
            Assert.Equal(0L, Count("SELECT COUNT(*) FROM Families WHERE Id = @f", ("f", gone)));
            Assert.Equal(1L, Count("SELECT COUNT(*) FROM Erasures WHERE FamilyId = @f AND Reason = 'retention' AND Receipt IS NOT NULL",
                ("f", gone)));
        }
        Assert.Equal(0L, Documents(due.FamilyId, "verslag"));
        Assert.Equal(1L, Documents(erasing.FamilyId, "overig"));
        Assert.Equal(1L, Documents(held.FamilyId, "overig"));
        Assert.Equal(0L, Documents(newer.FamilyId, "overig"));
    }
}
