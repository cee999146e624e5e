using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;

namespace Vault.Cli;

/// <summary>`vault family ...`, `vault grant`, `vault grants`, `vault withdraw`.</summary>
internal sealed partial class Context
{
    public async Task<int> FamilyCreate(string reference, string gemeente, DateOnly start, DateOnly? end)
    {
        var (_, client) = await SignedIn();
        var family = await client.CreateFamilyAsync(new CreateFamilyRequest(reference, gemeente, start, end));
        stdout.WriteLine($"Family {family.Id} opened ({family.Reference}).");
        stdout.WriteLine(NextHints.AfterFamilyCreate(family.Id));
        return 0;
    }

    public async Task<int> FamilyList()
    {
        var (_, client) = await SignedIn();
        foreach (var family in await client.ListFamiliesAsync())
        {
            stdout.WriteLine($"{family.Id}  {family.Reference,-20} {family.MyRole}");
        }
        return 0;
    }

    public async Task<int> FamilyInvite(Guid familyId, string role, DateOnly? born)
    {
        var (_, client) = await SignedIn();
        var invitation = await client.InviteToFamilyAsync(familyId, role, born);
        stdout.WriteLine($"Invitation for {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC:");
        stdout.WriteLine(invitation.Code);
        return 0;
    }

    public async Task<int> FamilyJoin(string code)
    {
        var (_, client) = await SignedIn();
        var family = await client.AcceptFamilyInvitationAsync(code);
        stdout.WriteLine($"Joined family {family.Id} as {family.MyRole}.");
        stdout.WriteLine(NextHints.AfterFamilyJoin(family.Id));
        return 0;
    }

    public async Task<int> FamilyMembers(Guid familyId)
    {
        var (_, client) = await SignedIn();
        foreach (var m in await client.ListMembersAsync(familyId))
        {
            stdout.WriteLine($"{m.UserId}  {m.Username,-24} {m.Role,-12} {(m.RemovedAt is null ? "member" : "removed")}");
        }
        return 0;
    }

    /// <summary>
    /// A guardian signs a grant on this device; the grantee can read what is written from now on, and with
    /// <paramref name="history"/> also what was written before (every earlier key this device holds is shared).
    /// </summary>
    public async Task<int> Grant(Guid familyId, Guid user, string scope, string? permission, string purpose, string? basis,
        DateOnly? until, Guid? subject, bool history)
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(familyId, user, scope, permission ?? Permissions.Read, purpose, basis ?? "consent",
            validUntil: until?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), subjectUserId: subject);
        var response = await client.GrantAsync(grant, shareHistory: history);
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}" +
            (response.AwaitingSignatureFrom.Count > 0 ? $", awaiting {string.Join(", ", response.AwaitingSignatureFrom)}" : ""));
        stdout.WriteLine(NextHints.AfterGrant(familyId, response.Grant.Scope, response.Grant.Permission, response.Status));
        return 0;
    }

    public async Task<int> Grants(Guid familyId)
    {
        var (_, client) = await SignedIn();
        foreach (var g in await client.ListGrantsAsync(familyId))
        {
            var until = g.Grant.ValidUntilUnixMs == 0 ? "until withdrawn" : $"until {DateTimeOffset.FromUnixTimeMilliseconds(g.Grant.ValidUntilUnixMs):yyyy-MM-dd}";
            stdout.WriteLine($"{g.Grant.GrantId}  {g.Status,-10} {g.Grant.GranteeUserId} {g.Grant.Permission,-5} {g.Grant.Scope}  {until}  ({g.Grant.Purpose})");
        }
        return 0;
    }

    public async Task<int> Withdraw(Guid familyId, Guid grantId, string? reason, string? receiptOut = null)
    {
        var (_, client) = await SignedIn();
        var (receipt, signed) = await client.WithdrawGrantSignedAsync(familyId, grantId, reason);
        var saved = KeepReceipt(client, signed, $"withdrawal-{grantId}", receiptOut);
        stdout.WriteLine($"Withdrawn at {receipt.WithdrawnAt:yyyy-MM-dd HH:mm:ss} UTC. Signed receipt: the grantee had {receipt.AccessedCount} audited accesses:");
        foreach (var item in receipt.Accessed)
        {
            stdout.WriteLine($"  #{item.AuditIndex}  {item.Time:yyyy-MM-dd HH:mm}  {item.Action,-24} {item.Resource}");
        }
        stdout.WriteLine($"Receipt saved with its signature: {saved}");
        stdout.WriteLine(ForProfile(NextHints.AfterReceipt(saved)));
        return 0;
    }
}
