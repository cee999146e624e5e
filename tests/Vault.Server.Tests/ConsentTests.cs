using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Families;

namespace Vault.Server.Tests;

/// <summary>Family-signed consent: who may sign, what a signature binds, role limits, ages, withdrawal.</summary>
public sealed class ConsentTests : IDisposable
{
    private readonly VaultServer server = new();
    private readonly Cast cast;

    public ConsentTests() => cast = new Cast(server);

    public void Dispose() => server.Dispose();

    [Fact]
    public async Task CreateChannel_FirstWithoutCaseWorker_RejectedAndNothingStored()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");

        var refused = await Assert.ThrowsAsync<VaultApiException>(() => Cast.IntroChannelAsync(guardian, familyId, krachtgezin));
        Assert.Equal(ProblemTypes.KennismakingRule, refused.ProblemType);
        Assert.Empty(await guardian.ListChannelsAsync(familyId));
        Assert.Empty(await guardian.ListGrantsAsync(familyId));

        await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        Assert.Single(await coordinator.ListChannelsAsync(familyId));
        // Later channels need no case worker.
        await guardian.CreateChannelAsync(familyId, "gezinnen onder elkaar",
            [new ChannelMember(krachtgezin.Session!.UserId, Permissions.Write, "contact tussen de gezinnen")]);
        Assert.Equal(2, (await krachtgezin.ListChannelsAsync(familyId)).Count);
    }

    [Fact]
    public async Task CreateChannel_GrantsSignedByGuardianHandedToCoordinator_CoordinatorOpensIt()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var channelId = Guid.NewGuid();
        var grant = VaultClient.NewGrant(familyId, coordinator.Session!.UserId, ConsentScopes.Channel(channelId), Permissions.Write,
            "kennismakingsgesprek");
        var signed = new SubmitGrantRequest(grant, [guardian.SignGrant(grant)]); // signed on the guardian's phone

        var channel = await coordinator.CreateChannelAsync(familyId, channelId, "kennismaking", [signed]);
        await coordinator.SendAsync(familyId, channel.Id, "Welkom!");
        var (history, _) = await guardian.HistoryAsync(familyId, channel.Id);
        Assert.Equal("Welkom!", Assert.Single(history).Text);
    }

    [Fact]
    public async Task SubmitGrant_ForgedAlteredOrReplayed_RejectedAndNothingStored()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var grant = VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, ConsentScopes.Progress, Permissions.Read, "voortgang volgen");

        // Forged: signed by someone who is not the family (the coordinator's own device).
        var forged = await Assert.ThrowsAsync<VaultApiException>(() =>
            coordinator.SubmitGrantAsync(new SubmitGrantRequest(grant, [coordinator.SignGrant(grant)])));
        Assert.Equal(ProblemTypes.InvalidGrant, forged.ProblemType);

        // Altered after signing: the scope widened, the purpose changed, the validity stretched.
        var signature = guardian.SignGrant(grant);
        foreach (var altered in new[]
                 {
                     grant with { Scope = ConsentScopes.Members }, grant with { Purpose = "alles" },
                     grant with { ValidUntilUnixMs = DateTimeOffset.UtcNow.AddYears(5).ToUnixTimeMilliseconds() },
                     grant with { Permission = Permissions.Write },
                 })
        {
            var error = await Assert.ThrowsAsync<VaultApiException>(() => guardian.SubmitGrantAsync(new SubmitGrantRequest(altered, [signature])));
            Assert.Equal(ProblemTypes.InvalidSignature, error.ProblemType);
        }
        // A signature by the right person but with a device that is not theirs.
        var wrongDevice = signature with { SignerDeviceId = krachtgezin.Session.DeviceId };
        Assert.Equal(ProblemTypes.InvalidSignature, (await Assert.ThrowsAsync<VaultApiException>(() =>
            guardian.SubmitGrantAsync(new SubmitGrantRequest(grant, [wrongDevice])))).ProblemType);
        Assert.Empty(await guardian.ListGrantsAsync(familyId));

        // Genuine: accepted once; the same signed grant again is a replay.
        Assert.Equal(GrantStatus.Active, (await guardian.SubmitGrantAsync(new SubmitGrantRequest(grant, [signature]))).Status);
        var replay = await Assert.ThrowsAsync<VaultApiException>(() => guardian.SubmitGrantAsync(new SubmitGrantRequest(grant, [signature])));
        Assert.Equal(ProblemTypes.GrantReplayed, replay.ProblemType);
        Assert.Single(await guardian.ListGrantsAsync(familyId));
    }

    [Fact]
    public async Task SubmitGrant_GemeenteBeyondProgressAndDecisions_ScopeNotAllowed()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var gemeente = await cast.AccountAsync(Roles.Gemeente, "gemeente.utrecht");
        await Cast.JoinAsync(coordinator, gemeente, familyId, Roles.Gemeente);

        foreach (var scope in new[] { ConsentScopes.Members, ConsentScopes.Documents("plan"), ConsentScopes.Documents("verslag") })
        {
            var error = await Assert.ThrowsAsync<VaultApiException>(() => guardian.GrantAsync(
                VaultClient.NewGrant(familyId, gemeente.Session!.UserId, scope, Permissions.Read, "verantwoording")));
            Assert.Equal(ProblemTypes.ScopeNotAllowed, error.ProblemType);
        }
        foreach (var scope in new[] { ConsentScopes.Progress, ConsentScopes.Documents("beschikking"), ConsentScopes.Documents("voortgang") })
        {
            await guardian.GrantAsync(VaultClient.NewGrant(familyId, gemeente.Session!.UserId, scope, Permissions.Read, "verantwoording"));
        }
        var progress = await gemeente.GetProgressAsync(familyId);
        Assert.Equal("GM0363", progress.Gemeente);
        Assert.Equal(403, (await Assert.ThrowsAsync<VaultApiException>(() => gemeente.ListMembersAsync(familyId))).Status);
    }

    [Theory]
    [InlineData(13, true)]   // 12–15: guardian and child both sign
    [InlineData(16, false)]  // from 16: the child alone
    public async Task GrantAboutChild_AgeRules_DecideWhoMustSign(int age, bool guardianNeeded)
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var born = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-age).AddDays(-1);
        var child = await cast.FamilyMemberAsync(guardian, familyId, Roles.Child, "kind" + age, born);
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var scope = await ChannelAboutAsync(guardian, coordinator, familyId, child);
        var grant = VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, scope, Permissions.Read,
            "school en vrije tijd", subjectUserId: child.Session!.UserId);

        var byGuardian = await guardian.SubmitGrantAsync(new SubmitGrantRequest(grant, [guardian.SignGrant(grant)]));
        Assert.Equal(GrantStatus.Pending, byGuardian.Status);
        Assert.Contains(child.Session.UserId, byGuardian.AwaitingSignatureFrom);
        Assert.Equal(403, (await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.GetKeyRingAsync(familyId, scope))).Status);

        var cosigned = await child.CoSignGrantAsync(grant);
        Assert.Equal(GrantStatus.Active, cosigned.Status);
        Assert.Equal(2, cosigned.Signatures.Count);
        await krachtgezin.GetKeyRingAsync(familyId, scope);

        // The same rule the other way round: the child's signature alone.
        var alone = VaultClient.NewGrant(familyId, coordinator.Session!.UserId, scope, Permissions.Read,
            "eigen verhaal", subjectUserId: child.Session.UserId);
        var byChild = await child.SubmitGrantAsync(new SubmitGrantRequest(alone, [child.SignGrant(alone)]));
        Assert.Equal(guardianNeeded ? GrantStatus.Pending : GrantStatus.Active, byChild.Status);
    }

    [Fact]
    public async Task InviteChild_AgesFromConfiguration_Enforced()
    {
        using var strict = new VaultServer { Settings = { ["Vault:Consent:ChildSaysFromAge"] = "14", ["Vault:Consent:ChildDecidesAloneFromAge"] = "17" } };
        var strictCast = new Cast(strict);
        var (familyId, _, guardian) = await strictCast.FamilyAsync();
        var thirteen = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-13).AddDays(-1);
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => guardian.InviteToFamilyAsync(familyId, Roles.Child, thirteen));
        Assert.Equal(ProblemTypes.Validation, refused.ProblemType);

        var sixteen = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-16).AddDays(-1);
        var child = await strictCast.FamilyMemberAsync(guardian, familyId, Roles.Child, "kind16", sixteen);
        var coordinator = (await guardian.ListMembersAsync(familyId)).Single(m => m.Role == Roles.Coordinator);
        await guardian.CreateChannelAsync(familyId, "kennismaking", [new ChannelMember(coordinator.UserId, Permissions.Write, "kennismaking")]);
        var about = await guardian.CreateChannelAsync(familyId, "over het kind", [], subjectUserId: child.Session!.UserId);
        var grant = VaultClient.NewGrant(familyId, coordinator.UserId, ConsentScopes.Channel(about.Id), Permissions.Read, "traject",
            subjectUserId: child.Session!.UserId);
        // At 16 with "alone from 17", the child cannot decide alone: a guardian must sign too.
        Assert.Equal(GrantStatus.Pending, (await child.SubmitGrantAsync(new SubmitGrantRequest(grant, [child.SignGrant(grant)]))).Status);
    }

    [Fact]
    public async Task Withdraw_ActiveGrant_SignedReceiptListsAccessAndAccessEndsAtOnce()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator, krachtgezin);
        await using (var live = new VaultConnection(krachtgezin))
        {
            await live.StartAsync();
            await guardian.SendAsync(familyId, channel.Id, "Hoi allemaal");
            Assert.Equal("Hoi allemaal", (await live.Messages.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Text);
        }
        await krachtgezin.HistoryAsync(familyId, channel.Id);

        var grant = (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GranteeUserId == krachtgezin.Session!.UserId);
        var receipt = await guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId, "gezin wil het zo");
        Assert.Equal("withdrawal", receipt.Type);
        Assert.Contains(receipt.Accessed, a => a.Action == "message.history.read");
        Assert.Contains(receipt.Accessed, a => a.Action == "message.delivered");
        Assert.True(receipt.TreeSize > 0);

        var denied = await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.HistoryAsync(familyId, channel.Id));
        Assert.Equal(ProblemTypes.NoConsent, denied.ProblemType);
        Assert.Equal(GrantStatus.Withdrawn, (await guardian.ListGrantsAsync(familyId)).Single(g => g.Grant.GrantId == grant.Grant.GrantId).Status);
        var again = await Assert.ThrowsAsync<VaultApiException>(() => guardian.WithdrawGrantAsync(familyId, grant.Grant.GrantId));
        Assert.Equal(409, again.Status);
    }

    [Fact]
    public async Task Access_ExpiredGrant_Refused()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var grant = await guardian.GrantAsync(VaultClient.NewGrant(familyId, krachtgezin.Session!.UserId, ConsentScopes.Progress,
            Permissions.Read, "voortgang", validUntil: DateTimeOffset.UtcNow.AddDays(30)));
        await krachtgezin.GetProgressAsync(familyId);

        ExpireGrant(server, grant.Grant.GrantId); // thirty days later
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.GetProgressAsync(familyId));
        Assert.Equal(ProblemTypes.NoConsent, refused.ProblemType);
        Assert.Equal(GrantStatus.Expired, (await guardian.ListGrantsAsync(familyId)).Single().Status);
    }

    [Fact]
    public async Task AccessOverview_Guardian_SeesEveryReaderAndDevicePerScope()
    {
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var krachtgezin = await cast.FamilyMemberAsync(coordinator, familyId, Roles.Krachtgezin, "gezin.de.boer");
        var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);

        var overview = await guardian.GetAccessOverviewAsync(familyId);
        var readers = overview.Single(s => s.Scope == ConsentScopes.Channel(channel.Id)).Readers;
        Assert.Equal(new[] { coordinator.Session!.UserId, guardian.Session!.UserId }.Order(), readers.Select(r => r.UserId).Order());
        Assert.All(readers, r => Assert.NotEmpty(r.Devices));
        Assert.DoesNotContain(readers, r => r.UserId == krachtgezin.Session!.UserId);
        Assert.Equal(403, (await Assert.ThrowsAsync<VaultApiException>(() => krachtgezin.GetAccessOverviewAsync(familyId))).Status);
    }

    /// <summary>Time passing, in the database: the grant's validity ended a minute ago.</summary>
    internal static void ExpireGrant(VaultServer server, Guid grantId)
    {
        Assert.Equal(1, server.Sql("UPDATE Grants SET ValidFromUnixMs = @from, ValidUntilUnixMs = @until WHERE Id = @id",
            ("@from", DateTimeOffset.UtcNow.AddDays(-31).ToUnixTimeMilliseconds()),
            ("@until", DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds()), ("@id", grantId)));
    }

    /// <summary>The kennismaking first, then a channel about the child; returns its scope.</summary>
    internal static async Task<string> ChannelAboutAsync(VaultClient guardian, VaultClient coordinator, Guid familyId, VaultClient child)
    {
        await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        var about = await guardian.CreateChannelAsync(familyId, "over het kind", [], subjectUserId: child.Session!.UserId);
        return ConsentScopes.Channel(about.Id);
    }
}
