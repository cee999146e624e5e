using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Xunit;

namespace Vault.Server.Tests;

/// <summary>
/// A family with something to protect (a channel with messages, a document), a second family beside it, and the
/// privacy officer: the people a data-subject request involves, each a real SDK client against a real server.
/// </summary>
public abstract class DataSubjectScenario : IAsyncLifetime
{
    protected DataSubjectScenario(VaultServer server)
    {
        Server = server;
        Cast = new Cast(server);
    }

    protected VaultServer Server { get; }
    protected Cast Cast { get; }
    protected Guid FamilyId { get; private set; }
    protected Guid ChannelId { get; private set; }
    protected VaultClient Guardian { get; private set; } = null!;
    protected VaultClient Coordinator { get; private set; } = null!;
    protected VaultClient Krachtgezin { get; private set; } = null!;
    protected VaultClient Officer { get; private set; } = null!;
    protected Guid OtherFamilyId { get; private set; }
    protected Guid OtherChannelId { get; private set; }
    protected VaultClient OtherGuardian { get; private set; } = null!;

    /// <summary>What only this family's people typed: none of it may survive its erasure anywhere.</summary>
    protected string Secret { get; } = "GEHEIM-" + Guid.NewGuid().ToString("N");

    public virtual async Task InitializeAsync()
    {
        (FamilyId, Coordinator, Guardian) = await Cast.FamilyAsync("a");
        Krachtgezin = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Krachtgezin, "gezin.de.boer");
        ChannelId = (await Cast.IntroChannelAsync(Guardian, FamilyId, Coordinator, Krachtgezin)).Id;
        await Guardian.SendAsync(FamilyId, ChannelId, "bericht " + Secret);
        await Krachtgezin.SendAsync(FamilyId, ChannelId, "antwoord " + Secret);
        await Guardian.UploadDocumentAsync(FamilyId, "plan", new MemoryStream(Encoding.UTF8.GetBytes("plan " + Secret)),
            new UploadOptions { Name = "plan-" + Secret + ".txt" });
        Officer = await Cast.AccountAsync(Roles.PrivacyOfficer, "functionaris");

        VaultClient otherCoordinator;
        (OtherFamilyId, otherCoordinator, OtherGuardian) = await Cast.FamilyAsync("b");
        OtherChannelId = (await Cast.IntroChannelAsync(OtherGuardian, OtherFamilyId, otherCoordinator)).Id;
        await OtherGuardian.SendAsync(OtherFamilyId, OtherChannelId, "het andere gezin");
    }

    public virtual Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The family's reference and its guardian's user name: identifiers an erasure must take with it.</summary>
    protected static readonly string[] Identifiers = ["KG-2026-a1", "moedera", "MOEDERA"];

    protected async Task<SubjectRequestResponse> FiledAsync(string kind) => await Guardian.FileRequestAsync(FamilyId, kind, "per brief");
}

public sealed class DataSubjectTests() : DataSubjectScenario(new VaultServer())
{
    [Fact]
    public async Task FileRequest_Guardian_DueInOneMonthExtendedOnceWithReason()
    {
        var filed = await FiledAsync(RequestKinds.Access);
        Assert.Equal(RequestStatus.Received, filed.Status);
        Assert.Equal(filed.ReceivedAt.AddMonths(1).ToUnixTimeMilliseconds(), filed.DueAt.ToUnixTimeMilliseconds());
        Assert.Contains(await Officer.RequestQueueAsync(), r => r.Id == filed.Id);

        var started = await Officer.StartRequestAsync(filed.Id);
        Assert.Equal(RequestStatus.InProgress, started.Status);
        var extended = await Officer.ExtendRequestAsync(filed.Id, "veel documenten");
        Assert.Equal(extended.ReceivedAt.AddMonths(3).ToUnixTimeMilliseconds(), extended.DueAt.ToUnixTimeMilliseconds());
        Assert.Equal("veel documenten", extended.ExtensionReason);
        var again = await Assert.ThrowsAsync<VaultApiException>(() => Officer.ExtendRequestAsync(filed.Id, "nog meer"));
        Assert.Equal(ProblemTypes.Conflict, again.ProblemType);

        await Officer.CompleteRequestAsync(filed.Id, "Export verstrekt.");
        var seen = Assert.Single(await Guardian.FamilyRequestsAsync(FamilyId));
        Assert.Equal((RequestStatus.Done, "Export verstrekt."), (seen.Status, seen.Outcome));
        Assert.DoesNotContain(await Officer.RequestQueueAsync(), r => r.Id == filed.Id);
        var closed = await Assert.ThrowsAsync<VaultApiException>(() => Officer.RefuseRequestAsync(filed.Id, "te laat"));
        Assert.Equal(ProblemTypes.RequestClosed, closed.ProblemType);
    }

    [Fact]
    public async Task FileRequest_ProfessionalOrStranger_RefusedAndAudited()
    {
        var professional = await Assert.ThrowsAsync<VaultApiException>(() => Krachtgezin.FileRequestAsync(FamilyId, RequestKinds.Access));
        Assert.Equal(403, professional.Status);
        var stranger = await Assert.ThrowsAsync<VaultApiException>(() => OtherGuardian.FileRequestAsync(FamilyId, RequestKinds.Erasure));
        Assert.Equal(404, stranger.Status);
        var queue = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.RequestQueueAsync());
        Assert.Equal(403, queue.Status);
        Assert.Equal(3, Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Allowed = FALSE AND Action IN ('dsr.received', 'dsr.read')")
            .Single());
    }

    [Fact]
    public async Task Remind_RequestDueWithinAWeek_RemindedOnceAuditedAndLoggedWithoutFamily()
    {
        var soon = await FiledAsync(RequestKinds.Access);
        var later = await FiledAsync(RequestKinds.Portability);
        Assert.Equal(1, Server.Sql("UPDATE SubjectRequests SET DueAt = @due WHERE Id = @id",
            ("@due", DateTimeOffset.UtcNow.AddDays(5)), ("@id", soon.Id)));
        var reminder = Server.Services.GetRequiredService<Vault.Server.DataSubject.DeadlineReminder>();

        Assert.Equal(1, await reminder.RemindAsync(CancellationToken.None));
        Assert.Equal(0, await reminder.RemindAsync(CancellationToken.None)); // once per deadline
        Assert.Equal(1, Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'dsr.reminder'").Single());
        var reminders = Server.Logs.Where(line => line.Contains(nameof(Vault.Server.DataSubject.DeadlineReminder), StringComparison.Ordinal)).ToList();
        Assert.Contains(soon.Id.ToString(), Assert.Single(reminders), StringComparison.Ordinal);
        Assert.DoesNotContain(FamilyId.ToString(), reminders[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuse_WithReason_RequesterReadsTheReason()
    {
        var filed = await FiledAsync(RequestKinds.Rectification);
        await Officer.RefuseRequestAsync(filed.Id, "Geen onjuiste gegevens gevonden.");
        var seen = Assert.Single(await Guardian.FamilyRequestsAsync(FamilyId));
        Assert.Equal((RequestStatus.Refused, "Geen onjuiste gegevens gevonden."), (seen.Status, seen.Outcome));
    }

    [Fact]
    public async Task Rectify_MemberEmail_ChangedAndAudited()
    {
        var filed = await FiledAsync(RequestKinds.Rectification);
        var done = await Officer.RectifyAsync(filed.Id, Guardian.Session!.UserId, "moeder@example.nl");
        Assert.Equal(RequestStatus.Done, done.Status);
        Assert.Equal("moeder@example.nl", Server.Column<string>("SELECT Email FROM AspNetUsers WHERE Id = @id",
            ("@id", Guardian.Session.UserId)).Single());
        Assert.Equal(1, Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'dsr.rectified' AND Allowed = TRUE").Single());

        // Someone outside the request's family is not the officer's to change under it.
        var other = await FiledAsync(RequestKinds.Rectification);
        var stranger = await Assert.ThrowsAsync<VaultApiException>(() =>
            Officer.RectifyAsync(other.Id, OtherGuardian.Session!.UserId, "x@example.nl"));
        Assert.Equal(404, stranger.Status);
    }

    [Fact]
    public async Task Erase_LegalHold_RefusedWithGroundShownToRequester()
    {
        var filed = await FiledAsync(RequestKinds.Erasure);
        await Officer.SetLegalHoldAsync(FamilyId, "Jeugdwet art. 7.3.8: dossier 20 jaar bewaren", new DateOnly(2046, 6, 1));

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => Officer.EraseAsync(filed.Id));
        Assert.Equal((409, ProblemTypes.LegalHold), (refused.Status, refused.ProblemType));
        Assert.Contains("Jeugdwet", refused.Detail, StringComparison.Ordinal);
        var seen = Assert.Single(await Guardian.FamilyRequestsAsync(FamilyId));
        Assert.Equal(RequestStatus.Refused, seen.Status);
        Assert.Contains("Jeugdwet art. 7.3.8", seen.Outcome, StringComparison.Ordinal);
        Assert.Contains("2046-06-01", seen.Outcome, StringComparison.Ordinal);
        // Nothing was erased: the family reads as before.
        var (messages, _) = await Guardian.HistoryAsync(FamilyId, ChannelId);
        Assert.Equal(2, messages.Count);
    }

    [Fact]
    public async Task Erase_HoldLifted_ErasesAfterAll()
    {
        await Officer.SetLegalHoldAsync(FamilyId, "lopende procedure");
        await Officer.LiftLegalHoldAsync(FamilyId);
        var filed = await FiledAsync(RequestKinds.Erasure);
        var (receipt, _) = await Officer.EraseAsync(filed.Id);
        Assert.Equal(filed.Id, receipt.RequestId);
    }

    [Fact]
    public async Task Restrict_Family_WritesRefusedReadsServedUntilLifted()
    {
        var filed = await FiledAsync(RequestKinds.Restriction);
        var done = await Officer.RestrictAsync(filed.Id);
        Assert.Equal(RequestStatus.Done, done.Status);

        var rest = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.SendAsync(FamilyId, ChannelId, "mag niet"));
        Assert.Equal((423, ProblemTypes.FamilyRestricted), (rest.Status, rest.ProblemType));
        await using (var connection = new VaultConnection(Krachtgezin))
        {
            await connection.StartAsync();
            var hub = await Assert.ThrowsAsync<VaultApiException>(() => Krachtgezin.SendAsync(FamilyId, ChannelId, "ook niet"));
            Assert.Equal(ProblemTypes.FamilyRestricted, hub.ProblemType);
        }
        var upload = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.UploadDocumentAsync(FamilyId, "plan",
            new MemoryStream([1, 2, 3]), new UploadOptions { Name = "nieuw.txt" }));
        Assert.Equal(ProblemTypes.FamilyRestricted, upload.ProblemType);
        // A stranger learns nothing: the family is not theirs, restricted or not.
        var stranger = await Assert.ThrowsAsync<VaultApiException>(() => OtherGuardian.SendAsync(FamilyId, ChannelId, "x"));
        Assert.Equal(404, stranger.Status);

        var (messages, _) = await Guardian.HistoryAsync(FamilyId, ChannelId);
        Assert.Equal(2, messages.Count);
        Assert.Equal(2, Server.Column<long>("SELECT COUNT(*) FROM Messages WHERE FamilyId = @f", ("@f", FamilyId)).Single());
        Assert.True(Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'restriction.write.refused'").Single() >= 2);

        await Officer.LiftRestrictionAsync(FamilyId, "bezwaar afgehandeld");
        await Guardian.SendAsync(FamilyId, ChannelId, "weer toegestaan");
    }

    [Fact]
    public async Task Restrict_Family_ConsentStillWithdrawableAndRequestsStillFiled()
    {
        var grant = (await Guardian.ListGrantsAsync(FamilyId)).First(g => g.Grant.GranteeUserId == Krachtgezin.Session!.UserId);
        await Officer.RestrictAsync((await FiledAsync(RequestKinds.Restriction)).Id);

        await Guardian.WithdrawGrantAsync(FamilyId, grant.Grant.GrantId, "ingetrokken tijdens beperking");
        var erasure = await Guardian.FileRequestAsync(FamilyId, RequestKinds.Erasure);
        Assert.Equal(RequestStatus.Received, erasure.Status);
    }
}
