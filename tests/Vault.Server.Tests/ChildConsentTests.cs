using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Server.Tests;

/// <summary>
/// Children with their own account (Jeugdwet): a channel about a child binds every grant for it to the age rules,
/// the child reads it without a grant, and the ages switch exactly on the birthday.
/// </summary>
public sealed class ChildConsentTests : IDisposable
{
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public ChildConsentTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task ChannelAboutChild_GrantsMustNameTheChildAndNeedItsSignature()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var child = await cast.FamilyMemberAsync(guardian, familyId, Roles.Child, "kind.veertien", YearsAgo(14, days: 10));
        await Cast.IntroChannelAsync(guardian, familyId, coordinator); // the kennismaking came first
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");

        var channel = await guardian.CreateChannelAsync(familyId, "over school", [], subjectUserId: child.Session!.UserId);
        Assert.Equal(child.Session.UserId, channel.SubjectUserId);
        await child.SendAsync(familyId, channel.Id, "Ik wil graag hulp met wiskunde"); // the child needs no grant
        Assert.Equal("Ik wil graag hulp met wiskunde", (await guardian.HistoryAsync(familyId, channel.Id)).Messages.Single().Text);

        // A child's say is about its own data: naming it on family-wide data is refused.
        var familyWide = VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, ConsentScopes.Progress, Permissions.Read,
            "voortgang", subjectUserId: child.Session.UserId);
        Assert.Equal(ProblemTypes.InvalidGrant, (await Assert.ThrowsAsync<VaultApiException>(() =>
            child.SubmitGrantAsync(new SubmitGrantRequest(familyWide, [child.SignGrant(familyWide)])))).ProblemType);

        // Leaving the child out of a grant for its channel would dodge the age rules: refused, nothing stored.
        var dodge = VaultClient.NewGrant(familyId, krachtgezin.Session.UserId, ConsentScopes.Channel(channel.Id), Permissions.Read,
            "huiswerkbegeleiding");
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => guardian.GrantAsync(dodge));
        Assert.Equal(ProblemTypes.InvalidGrant, refused.ProblemType);

        var grant = dodge with { GrantId = Guid.NewGuid(), SubjectUserId = child.Session.UserId };
        var byGuardian = await guardian.GrantAsync(grant);
        Assert.Equal(GrantStatus.Pending, byGuardian.Status);
        Assert.Equal(ProblemTypes.NoConsent,
            (await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.HistoryAsync(familyId, channel.Id))).ProblemType);

        var cosigned = await child.CoSignGrantAsync(grant); // active now; the child's device shares the key
        Assert.Equal(GrantStatus.Active, cosigned.Status);
        await guardian.SendAsync(familyId, channel.Id, "Het krachtgezin helpt vanaf nu mee");
        var (history, _) = await krachtgezin.HistoryAsync(familyId, channel.Id);
        Assert.Equal([false, true], history.Select(m => m.Authentic)); // from the grant on, not before
    }

    [Theory]
    [InlineData(12, 0, true, true)]   // on the 12th birthday: the child has a say, with a guardian
    [InlineData(16, 1, true, true)]   // the day before the 16th birthday: still both
    [InlineData(16, 0, false, true)]  // on the 16th birthday: the child alone
    public async Task SubmitGrant_AroundBirthdays_AgeRulesSwitchOnTheDay(int age, int daysShort, bool guardianNeeded, bool childNeeded)
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var child = await cast.FamilyMemberAsync(guardian, familyId, Roles.Child, "kind" + age + daysShort, YearsAgo(age, -daysShort));
        var scope = await ConsentTests.ChannelAboutAsync(guardian, coordinator, familyId, child);
        var grant = VaultClient.NewGrant(familyId, coordinator.Session!.UserId, scope, Permissions.Read, "traject",
            subjectUserId: child.Session!.UserId);

        var byChild = await child.SubmitGrantAsync(new SubmitGrantRequest(grant, [child.SignGrant(grant)]));
        Assert.Equal(guardianNeeded ? GrantStatus.Pending : GrantStatus.Active, byChild.Status);
        var other = grant with { GrantId = Guid.NewGuid() };
        var byGuardian = await guardian.SubmitGrantAsync(new SubmitGrantRequest(other, [guardian.SignGrant(other)]));
        Assert.Equal(childNeeded ? GrantStatus.Pending : GrantStatus.Active, byGuardian.Status);
    }

    [Fact]
    public async Task InviteGuardian_ByCaseWorkerOnceTheFamilyHasOne_RefusedButGuardiansMay()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => coordinator.InviteToFamilyAsync(familyId, Roles.Guardian));
        Assert.Equal(403, refused.Status);
        var second = await cast.FamilyMemberAsync(guardian, familyId, Roles.Guardian, "vader");

        var notRemoved = await Assert.ThrowsAsync<VaultApiException>(() => coordinator.RemoveMemberAsync(familyId, second.Session!.UserId));
        Assert.Equal(403, notRemoved.Status);
        Assert.Equal(2, (await guardian.ListMembersAsync(familyId)).Count(m => m.Role == Roles.Guardian && m.RemovedAt is null));
    }

    [Fact]
    public async Task RedeemGuardianInvitation_SpareCodeOfCaseWorkerAfterTheFamilyHasAGuardian_Refused()
    {
        var coordinator = await cast.AccountAsync(Roles.Coordinator, "coordinator.spare");
        var family = await coordinator.CreateFamilyAsync(new Contracts.Families.CreateFamilyRequest("KG-2026-9", "GM0363",
            new DateOnly(2026, 11, 1), null));
        var first = await coordinator.InviteToFamilyAsync(family.Id, Roles.Guardian);
        var spare = await coordinator.InviteToFamilyAsync(family.Id, Roles.Guardian);
        var mother = await cast.RegisterAsync(first.Code, "moeder.echt");

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => cast.RegisterAsync(spare.Code, "nep.ouder"));
        Assert.Equal(ProblemTypes.InvalidInvitation, refused.ProblemType);
        Assert.Single(await mother.ListMembersAsync(family.Id), m => m.Role == Roles.Guardian);
    }

    /// <summary>A date of birth <paramref name="years"/> years before today, moved <paramref name="days"/> days earlier.</summary>
    private static DateOnly YearsAgo(int years, int days) => DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-years).AddDays(-days);
}
