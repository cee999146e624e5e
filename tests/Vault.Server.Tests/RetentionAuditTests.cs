using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Retention;

namespace Vault.Server.Tests;

/// <summary>
/// The audit clock (entries past AuditYears lose their personal fields, the log still verifies through the SDK), and the
/// privacy officer's retention state of a family (and its refusal for everyone else).
/// </summary>
public sealed class RetentionAuditTests : RetentionScenario
{
    private readonly SettableClock clock;
    private VaultClient officer = null!;

    public RetentionAuditTests() : this(new SettableClock())
    {
    }

    private RetentionAuditTests(SettableClock clock)
        : base(new VaultServer { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(clock) })
    {
        this.clock = clock;
        Server.Settings["Vault:Retention:BatchSize"] = "7"; // the audit clock erases in several index ranges
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        officer = await Cast.AccountAsync(Roles.PrivacyOfficer, "fg.jansen");
    }

    [Fact]
    public async Task Round_AuditEntriesPastAuditYears_LoseTheirPersonalFieldsAndTheLogStillVerifies()
    {
        var boundary = Count("SELECT TimeUnixMs FROM AuditEntries WHERE \"Index\" = (SELECT MAX(\"Index\") FROM AuditEntries)");
        await Guardian.SendAsync(First.FamilyId, First.ChannelId, "later");
        await Guardian.HistoryAsync(First.FamilyId, First.ChannelId);
        var old = Count("SELECT COUNT(*) FROM AuditEntries WHERE TimeUnixMs <= @t", ("t", boundary));
        var oldOfFamily = Count("SELECT COUNT(*) FROM AuditEntries WHERE TimeUnixMs <= @t AND FamilyId = @f", ("t", boundary), ("f", First.FamilyId));
        var newer = Count("SELECT COUNT(*) FROM AuditEntries WHERE TimeUnixMs > @t", ("t", boundary));
        Assert.True(oldOfFamily > 0 && old > oldOfFamily && newer > 0, $"old {old} (family {oldOfFamily}), newer {newer}");
        var links = Server.Rows("SELECT \"Index\", FamilyId FROM AuditEntries ORDER BY \"Index\"");

        // Only the audit clock here: trajects still running, so twenty years on no content clock erases a family.
        Server.Sql("UPDATE Families SET EndedOn = NULL");
        // Twenty years after the boundary entry, to the millisecond: everything up to it is past the clock, nothing after.
        clock.Fixed = DateTimeOffset.FromUnixTimeMilliseconds(boundary + 1).AddYears(20);
        var round = await Job.RunRoundAsync(CancellationToken.None);
        clock.Fixed = null;

        Assert.Equal(old, round.AuditEntries);
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM AuditEntries WHERE TimeUnixMs <= @t AND (Salt IS NOT NULL OR ActorUserId IS NOT NULL"
            + " OR ActorDeviceId IS NOT NULL OR ActorRole IS NOT NULL OR Resource IS NOT NULL OR Purpose IS NOT NULL OR RequestId IS NOT NULL)",
            ("t", boundary)));
        Assert.Equal(0L, Count("SELECT COUNT(*) FROM AuditEntries WHERE TimeUnixMs > @t AND Salt IS NULL", ("t", boundary)));
        Assert.Equal(links, Server.Rows($"SELECT \"Index\", FamilyId FROM AuditEntries WHERE \"Index\" < {links.Count} ORDER BY \"Index\""));
        // Audited per family (and once for the entries of no family), with the count.
        Assert.Equal([$"retention/audit/entries/{oldOfFamily}"], Server.Column<string>(
            "SELECT Resource FROM AuditEntries WHERE Action = 'retention.audit.erased' AND FamilyId = @f", ("f", First.FamilyId)));
        Assert.Equal(old, Server.Column<string>("SELECT Resource FROM AuditEntries WHERE Action = 'retention.audit.erased'")
            .Sum(r => long.Parse(r.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture)));

        var whole = await officer.VerifyAuditAsync(null, null);
        Assert.True(whole.Ok, whole.Failure?.ToString());
        Assert.Equal(old, whole.Erased);
        var family = await Guardian.VerifyAuditAsync(First.FamilyId, null);
        Assert.True(family.Ok, family.Failure?.ToString());
        Assert.Equal(oldOfFamily, family.Erased);

        // Done is done: the same clock again erases and audits nothing.
        var entries = Count("SELECT COUNT(*) FROM AuditEntries");
        clock.Fixed = DateTimeOffset.FromUnixTimeMilliseconds(boundary + 1).AddYears(20);
        var again = await Job.RunRoundAsync(CancellationToken.None);
        clock.Fixed = null;
        Assert.Equal(0, again.AuditEntries);
        Assert.Equal(entries, Count("SELECT COUNT(*) FROM AuditEntries"));
    }

    [Fact]
    public async Task GetRetention_Officer_SeesClocksHoldAndWhatWasPurged()
    {
        var held = First;
        var ended = await SeedFamilyAsync("KG-2026-B");
        var open = await SeedFamilyAsync("KG-2026-C");
        await Coordinator.UpdateTrajectAsync(open.FamilyId, "active", null);
        Ended(held.FamilyId, 6, "Jeugdwet art. 7.3.8", Today.AddYears(1));
        Ended(ended.FamilyId, 3);
        await Job.RunRoundAsync(CancellationToken.None);
        var endedOn = Today.AddYears(-3).AddDays(-1);

        var state = await officer.GetRetentionAsync(ended.FamilyId);

        Assert.Equal((ended.FamilyId, "completed", endedOn, null, false), (state.FamilyId, state.TrajectStatus, state.EndedOn, state.LegalHold, state.Erasing));
        var oldest = DateTimeOffset.FromUnixTimeMilliseconds(Count("SELECT MIN(TimeUnixMs) FROM AuditEntries WHERE FamilyId = @f", ("f", ended.FamilyId)));
        Assert.Equal(
        [
            new RetentionClockDto("content", "family", 20, endedOn.AddYears(20), "running"),
            new RetentionClockDto("category", "plan", 20, endedOn.AddYears(20), "running"),
            new RetentionClockDto("category", "verslag", 20, endedOn.AddYears(20), "running"),
            new RetentionClockDto("category", "beschikking", 20, endedOn.AddYears(20), "running"),
            new RetentionClockDto("category", "voortgang", 4, endedOn.AddYears(4), "running"),
            new RetentionClockDto("category", "overig", 2, endedOn.AddYears(2), "expired"),
            new RetentionClockDto("channels", "messages", 5, endedOn.AddYears(5), "running"),
            new RetentionClockDto("audit", "entries", 20, DateOnly.FromDateTime(oldest.UtcDateTime.AddYears(20)), "running"),
        ], state.Clocks);
        var purged = Assert.Single(state.Purged);
        Assert.Equal(("category", "overig", 1L), (purged.Clock, purged.Part, purged.Count));

        var heldState = await officer.GetRetentionAsync(held.FamilyId);
        Assert.Equal(new LegalHoldDto("Jeugdwet art. 7.3.8", Today.AddYears(1), true), heldState.LegalHold);
        Assert.Equal(["running", "running", "running", "running", "held", "held", "held"], heldState.Clocks.SkipLast(1).Select(c => c.Status));
        Assert.Empty(heldState.Purged);

        var openState = await officer.GetRetentionAsync(open.FamilyId);
        Assert.Equal(("active", (DateOnly?)null), (openState.TrajectStatus, openState.EndedOn));
        Assert.All(openState.Clocks.SkipLast(1), c => Assert.Equal(("not-started", (DateOnly?)null), (c.Status, c.RunsOutOn)));

        // Each query audited, naming the officer and the family.
        Assert.Equal(1L, Count("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'retention.read' AND Allowed = TRUE AND ActorUserId = @u AND FamilyId = @f",
            ("u", officer.Session!.UserId), ("f", ended.FamilyId)));
        var unknown = await Assert.ThrowsAsync<VaultApiException>(() => officer.GetRetentionAsync(Guid.NewGuid()));
        Assert.Equal((404, ProblemTypes.NotFound), (unknown.Status, unknown.ProblemType));
    }

    [Fact]
    public async Task GetRetention_NotAnOfficer_ForbiddenAndAudited()
    {
        foreach (var who in new[] { Guardian, Coordinator, await Cast.AdminAsync() })
        {
            var refused = await Assert.ThrowsAsync<VaultApiException>(() => who.GetRetentionAsync(First.FamilyId));
            Assert.Equal((403, ProblemTypes.Forbidden), (refused.Status, refused.ProblemType));
            Assert.Equal(1L, Count("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'retention.read' AND Allowed = FALSE AND ActorUserId = @u",
                ("u", who.Session!.UserId)));
        }
    }

    /// <summary>The system's time, or a fixed one while set; its timers are the system's, so a jump of years fires none of them.</summary>
    private sealed class SettableClock : TimeProvider
    {
        private readonly Lock gate = new();
        private DateTimeOffset? fixedAt;

        public DateTimeOffset? Fixed
        {
            get { lock (gate) { return fixedAt; } }
            set { lock (gate) { fixedAt = value; } }
        }

        public override DateTimeOffset GetUtcNow() => Fixed ?? System.GetUtcNow();
    }
}
