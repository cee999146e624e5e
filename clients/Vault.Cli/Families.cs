using System.Globalization;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;

namespace Vault.Cli;

/// <summary>`vault family ...`, `vault grant`, `vault grants`, `vault withdraw`.</summary>
internal sealed partial class Context
{
    private Guid Family() => Guid.Parse(options.Require("family"));

    private static DateOnly Date(string value) => DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task<int> FamilyCreate()
    {
        var (_, client) = await SignedIn();
        var family = await client.CreateFamilyAsync(new CreateFamilyRequest(options.Require("reference"), options.Require("gemeente"),
            Date(options.Require("start")), options.Get("end") is { } end ? Date(end) : null));
        stdout.WriteLine($"Family {family.Id} opened ({family.Reference}).");
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

    public async Task<int> FamilyInvite()
    {
        var (_, client) = await SignedIn();
        var invitation = await client.InviteToFamilyAsync(Family(), options.Require("role"),
            options.Get("born") is { } born ? Date(born) : null);
        stdout.WriteLine($"Invitation for {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC:");
        stdout.WriteLine(invitation.Code);
        return 0;
    }

    public async Task<int> FamilyJoin()
    {
        var (_, client) = await SignedIn();
        var family = await client.AcceptFamilyInvitationAsync(options.Require("code"));
        stdout.WriteLine($"Joined family {family.Id} as {family.MyRole}.");
        return 0;
    }

    public async Task<int> FamilyMembers()
    {
        var (_, client) = await SignedIn();
        foreach (var m in await client.ListMembersAsync(Family()))
        {
            stdout.WriteLine($"{m.UserId}  {m.Username,-24} {m.Role,-12} {(m.RemovedAt is null ? "member" : "removed")}");
        }
        return 0;
    }

    /// <summary>A guardian signs a grant on this device; the scope's current key is shared with the grantee.</summary>
    public async Task<int> Grant()
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(Family(), Guid.Parse(options.Require("user")), options.Require("scope"),
            options.Get("permission") ?? Permissions.Read, options.Require("purpose"), options.Get("basis") ?? "consent",
            validUntil: options.Get("until") is { } until ? Date(until).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : null,
            subjectUserId: options.Get("subject") is { } subject ? Guid.Parse(subject) : null);
        var response = await client.GrantAsync(grant);
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}" +
            (response.AwaitingSignatureFrom.Count > 0 ? $", awaiting {string.Join(", ", response.AwaitingSignatureFrom)}" : ""));
        return 0;
    }

    public async Task<int> Grants()
    {
        var (_, client) = await SignedIn();
        foreach (var g in await client.ListGrantsAsync(Family()))
        {
            var until = g.Grant.ValidUntilUnixMs == 0 ? "until withdrawn" : $"until {DateTimeOffset.FromUnixTimeMilliseconds(g.Grant.ValidUntilUnixMs):yyyy-MM-dd}";
            stdout.WriteLine($"{g.Grant.GrantId}  {g.Status,-10} {g.Grant.GranteeUserId} {g.Grant.Permission,-5} {g.Grant.Scope}  {until}  ({g.Grant.Purpose})");
        }
        return 0;
    }

    public async Task<int> Withdraw()
    {
        var (_, client) = await SignedIn();
        var receipt = await client.WithdrawGrantAsync(Family(), Guid.Parse(options.Require("grant")), options.Get("reason"));
        stdout.WriteLine($"Withdrawn at {receipt.WithdrawnAt:yyyy-MM-dd HH:mm:ss} UTC. Signed receipt: the grantee had {receipt.AccessedCount} audited accesses:");
        foreach (var item in receipt.Accessed)
        {
            stdout.WriteLine($"  #{item.AuditIndex}  {item.Time:yyyy-MM-dd HH:mm}  {item.Action,-24} {item.Resource}");
        }
        return 0;
    }
}
