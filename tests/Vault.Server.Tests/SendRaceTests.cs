using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>
/// A withdrawal racing a burst of sends: nothing of the grantee is stored after the withdrawal committed, everything
/// acknowledged is stored once, and nothing refused is stored. The race is made certain, not likely: part of the burst
/// is held between its checks and its commit (the send's own seam) while the withdrawal commits. Where the withdrawal
/// committed among the messages is observed inside its own transaction (a trigger records the channel's highest
/// sequence number at that moment), so the check does not depend on timing.
/// </summary>
public sealed class SendRaceTests : IDisposable
{
    private const int Held = 60;
    private readonly Gate gate = new();
    private readonly VaultServer server;

    public SendRaceTests() => server = new VaultServer
    {
        ConfigureTestServices = services => services.AddSingleton<Vault.Server.Messaging.ISendCommitHook>(gate),
    };

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task Withdrawal_RacingABurstOfSends_NothingOfTheGranteeStoredAfterItCommits()
    {
        var cast = new Cast(server);
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == krachtgezin.Session!.UserId);
        server.Sql("CREATE TABLE WithdrawalPoint (Seq INTEGER)");
        var channel = intro.Id.ToString().ToUpperInvariant(); // as SQLite stores it; PostgreSQL reads it as a uuid
        server.Sql(server.PostgresConnectionString is null
            ? $"""
              CREATE TRIGGER withdrawal_point AFTER UPDATE OF WithdrawnAt ON Grants
              WHEN OLD.WithdrawnAt IS NULL AND NEW.WithdrawnAt IS NOT NULL
              BEGIN INSERT INTO WithdrawalPoint SELECT COALESCE(MAX(Seq), 0) FROM Messages WHERE ChannelId = '{channel}'; END
              """
            : $"""
              CREATE FUNCTION withdrawal_point() RETURNS trigger LANGUAGE plpgsql
              AS $$ BEGIN INSERT INTO WithdrawalPoint SELECT COALESCE(MAX(Seq), 0) FROM Messages WHERE ChannelId = '{channel}'; RETURN NULL; END $$;
              CREATE TRIGGER withdrawal_point AFTER UPDATE OF WithdrawnAt ON Grants FOR EACH ROW
              WHEN (OLD.WithdrawnAt IS NULL AND NEW.WithdrawnAt IS NOT NULL) EXECUTE FUNCTION withdrawal_point();
              """);

        var acknowledged = new ConcurrentBag<(long Seq, Guid Id)>();
        var refused = new ConcurrentBag<Guid>();
        async Task SendAsync(int i, Guid id)
        {
            try
            {
                var sent = await krachtgezin.SendAsync(familyId, intro.Id, $"bericht {i}", id);
                acknowledged.Add((sent.Seq, id));
            }
            catch (VaultApiException e) when (e.ProblemType is ProblemTypes.NoConsent or ProblemTypes.StaleEpoch)
            {
                refused.Add(id);
            }
        }
        // Before: twenty go through. Then sixty are checked and held just short of the writer while the grant is
        // withdrawn; released after its commit, every one of them must be refused.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => SendAsync(i, Guid.NewGuid())));
        var held = Enumerable.Range(0, Held).Select(_ => Guid.NewGuid()).ToList();
        gate.Hold(held);
        var racing = held.Select((id, i) => SendAsync(100 + i, id)).ToList();
        await gate.AllHeld.WaitAsync(TimeSpan.FromSeconds(60)); // a failure bound, not a wait
        await guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId);
        gate.Release();
        var after = Enumerable.Range(0, 20).Select(i => SendAsync(200 + i, Guid.NewGuid())).ToList();
        await Task.WhenAll(racing.Concat(after));

        var point = Convert.ToInt64(server.Scalar("SELECT Seq FROM WithdrawalPoint"), System.Globalization.CultureInfo.InvariantCulture);
        var stored = server.Column<Guid>("SELECT ClientMessageId FROM Messages WHERE ChannelId = @c AND SenderUserId = @u",
            ("@c", intro.Id), ("@u", krachtgezin.Session!.UserId));
        Assert.Equal(20, acknowledged.Count);
        Assert.All(held, id => Assert.Contains(id, refused));
        Assert.All(acknowledged, a => Assert.True(a.Seq <= point, $"#{a.Seq} was stored after the withdrawal committed (at #{point})"));
        Assert.Equal(acknowledged.Select(a => a.Id).Order(), stored.Order()); // once each, and only what was acknowledged
        Assert.Empty(refused.Intersect(stored));
        Assert.Equal(20 + Held + 20, acknowledged.Count + refused.Count);

        // The family goes on: the guardian writes under a new epoch, the former grantee cannot.
        await guardian.SendAsync(familyId, intro.Id, "verder zonder het krachtgezin");
        await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.SendAsync(familyId, intro.Id, "nog eentje"));
    }

    [Fact]
    public async Task Send_AccessWithdrawnOnAnotherNode_TheWriterSeesTheNewStampAndRefuses()
    {
        var cast = new Cast(server);
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == krachtgezin.Session!.UserId);
        await krachtgezin.SendAsync(familyId, intro.Id, "voor de intrekking"); // this node's state of the family is warm

        // Withdrawn elsewhere: the grant row and the family's stamp change in the database, this node's state does not.
        Assert.Equal(1, server.SqlFromAnotherNode("UPDATE Grants SET WithdrawnAt = @at WHERE Id = @id",
            ("@at", DateTimeOffset.UtcNow), ("@id", grant.Grant.GrantId)));
        Assert.Equal(1, server.SqlFromAnotherNode("UPDATE Families SET AccessStamp = @stamp WHERE Id = @id",
            ("@stamp", Guid.NewGuid()), ("@id", familyId)));

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.SendAsync(familyId, intro.Id, "na de intrekking"));
        Assert.Equal(ProblemTypes.NoConsent, refused.ProblemType);
        Assert.Equal(["voor de intrekking"], (await guardian.HistoryAsync(familyId, intro.Id)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Send_RestrictedBetweenCheckAndCommit_RefusedAndNothingStored()
    {
        var cast = new Cast(server);
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        var officer = await cast.AccountAsync(Roles.PrivacyOfficer, "functionaris");
        var restriction = await officer.RecordRequestAsync(familyId, Vault.Contracts.DataSubject.RequestKinds.Restriction);

        // Checked while the family was open, held short of the writer, released once the restriction committed.
        var id = Guid.NewGuid();
        gate.Hold([id]);
        var sending = guardian.SendAsync(familyId, intro.Id, "net te laat", id);
        await gate.AllHeld.WaitAsync(TimeSpan.FromSeconds(60)); // a failure bound, not a wait
        await officer.RestrictAsync(restriction.Id);
        gate.Release();

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => sending);
        Assert.Equal(ProblemTypes.FamilyRestricted, refused.ProblemType);
        Assert.Empty(server.Column<Guid>("SELECT ClientMessageId FROM Messages WHERE ChannelId = @c", ("@c", intro.Id)));
    }

    /// <summary>Holds the named sends after their checks, before their commit, until released.</summary>
    private sealed class Gate : Vault.Server.Messaging.ISendCommitHook
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource allHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private HashSet<Guid> ids = [];
        private int count;

        public Task AllHeld => allHeld.Task;

        public void Hold(IEnumerable<Guid> clientMessageIds) => ids = clientMessageIds.ToHashSet();

        public void Release() => released.TrySetResult();

        public async Task BeforeCommitAsync(Guid familyId, Guid channelId, Guid clientMessageId, CancellationToken ct)
        {
            if (!ids.Contains(clientMessageId))
            {
                return;
            }
            if (Interlocked.Increment(ref count) == ids.Count)
            {
                allHeld.TrySetResult();
            }
            await released.Task;
        }
    }
}
