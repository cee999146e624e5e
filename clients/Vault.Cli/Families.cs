using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;

namespace Vault.Cli;

/// <summary>`vault family ...`, `vault grant`, `vault grants`, `vault withdraw`.</summary>
internal sealed partial class Context
{
    public async Task<int> FamilyCreate(string reference, string gemeente, DateOnly start, DateOnly? end, bool json)
    {
        var (_, client) = await SignedIn();
        var family = await client.CreateFamilyAsync(new CreateFamilyRequest(reference, gemeente, start, end));
        if (json)
        {
            WriteJson(family);
            return 0;
        }
        stdout.WriteLine($"Family {family.Id} opened ({family.Reference}).");
        stdout.WriteLine(NextHints.AfterFamilyCreate(family.Id));
        return 0;
    }

    public async Task<int> FamilyList(bool json)
    {
        var (_, client) = await SignedIn();
        var families = await client.ListFamiliesAsync();
        if (json)
        {
            WriteJson(families); // id, reference, myRole, createdAt
            return 0;
        }
        if (families.Count == 0)
        {
            stderr.WriteLine(Say("You are in no family yet: `vault family join --code CODE` joins one.",
                "U bent nog geen lid van een gezin: met `vault family join --code CODE` wordt u lid."));
        }
        Table([Say("ID", "ID"), Say("REFERENCE", "REFERENTIE"), Say("YOUR ROLE", "UW ROL"), Say("SINCE", "SINDS")],
            families.Select(f => new[] { f.Id.ToString(), f.Reference, f.MyRole, OnDay(f.CreatedAt) }));
        return 0;
    }

    public async Task<int> FamilyInvite(Guid familyId, string role, DateOnly? born, bool json)
    {
        var (_, client) = await SignedIn();
        var invitation = await client.InviteToFamilyAsync(familyId, role, born);
        if (json)
        {
            WriteJson(invitation); // id, code, role, expiresAt
            return 0;
        }
        // The code alone on standard output, so a script can take it: CODE=$(vault family invite --family REF --role guardian).
        stderr.WriteLine($"Invitation into the family as {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC; hand this " +
            "code over (a new account runs `vault invite accept`, an existing one `vault family join --code CODE`):");
        stdout.WriteLine(invitation.Code);
        return 0;
    }

    public async Task<int> FamilyJoin(string code, bool json)
    {
        var (_, client) = await SignedIn();
        var family = await client.AcceptFamilyInvitationAsync(code);
        if (json)
        {
            WriteJson(family);
            return 0;
        }
        stdout.WriteLine($"Joined family {family.Id} as {family.MyRole}.");
        stdout.WriteLine(NextHints.AfterFamilyJoin(family.Id));
        return 0;
    }

    public async Task<int> FamilyMembers(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        var members = await client.ListMembersAsync(familyId);
        if (json)
        {
            WriteJson(members); // userId, username, role, joinedAt, removedAt, dateOfBirth
            return 0;
        }
        Table([Say("ID", "ID"), Say("USERNAME", "GEBRUIKERSNAAM"), Say("ROLE", "ROL"), Say("JOINED", "LID SINDS"), Say("STATE", "STATUS")],
            members.Select(m => new[]
            {
                m.UserId.ToString(), m.Username, m.Role, OnDay(m.JoinedAt),
                m.RemovedAt is { } removed ? Say($"removed {OnDay(removed)}", $"verwijderd {OnDay(removed)}") : Say("member", "lid"),
            }));
        return 0;
    }

    /// <summary>
    /// A guardian signs a grant on this device; the grantee can read what is written from now on, and with
    /// <paramref name="history"/> also what was written before (every earlier key this device holds is shared).
    /// </summary>
    public async Task<int> Grant(Guid familyId, Guid user, string scope, string? permission, string purpose, string? basis,
        DateOnly? until, Guid? subject, bool history, bool json)
    {
        var (_, client) = await SignedIn();
        var grant = VaultClient.NewGrant(familyId, user, scope, permission ?? Permissions.Read, purpose, basis ?? "consent",
            validUntil: until?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), subjectUserId: subject);
        var response = await client.GrantAsync(grant, shareHistory: history);
        if (json)
        {
            WriteJson(await GrantViewAsync(client, familyId, response));
            return 0;
        }
        stdout.WriteLine($"Grant {response.Grant.GrantId}: {response.Status}" +
            (response.AwaitingSignatureFrom.Count > 0 ? $", awaiting {string.Join(", ", response.AwaitingSignatureFrom)}" : ""));
        stdout.WriteLine(NextHints.AfterGrant(familyId, response.Grant.Scope, response.Grant.Permission, response.Status));
        return 0;
    }

    public async Task<int> Grants(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        var grants = await GrantViewsAsync(client, familyId, await client.ListGrantsAsync(familyId));
        if (json)
        {
            WriteJson(grants);
            return 0;
        }
        if (grants.Count == 0)
        {
            stderr.WriteLine(Say("No grants in this family that you may see.", "Geen toestemmingen in dit gezin die u mag zien."));
        }
        Table([Say("ID", "ID"), Say("STATUS", "STATUS"), Say("GRANTEE", "ONTVANGER"), Say("PERMISSION", "RECHT"), Say("SCOPE", "OMVANG"),
                Say("UNTIL", "TOT"), Say("PURPOSE", "DOEL")],
            grants.Select(g => new[]
            {
                g.Id.ToString(), g.Status, g.Grantee.Name, g.Permission,
                g.ScopeName is { } name ? Say($"channel \"{name}\"", $"kanaal \"{name}\"") : g.Scope,
                g.WithdrawnAt is { } w ? Say($"withdrawn {OnDay(w)}", $"ingetrokken {OnDay(w)}")
                    : g.ValidUntil is { } until ? OnDay(until) : Say("until withdrawn", "tot intrekking"),
                g.Purpose,
            }));
        return 0;
    }

    public async Task<int> Withdraw(Guid familyId, Guid grantId, string? reason, bool json, string? receiptOut = null)
    {
        var (_, client) = await SignedIn();
        var (receipt, signed) = await client.WithdrawGrantSignedAsync(familyId, grantId, reason);
        var saved = KeepReceipt(client, signed, $"withdrawal-{grantId}", receiptOut);
        if (json)
        {
            WriteJson(await WithdrawalViewAsync(client, receipt) with { ReceiptFile = saved });
            return 0;
        }
        var accessed = Count(receipt.AccessedCount, "audited access", "audited accesses", "vastgelegde toegang", "vastgelegde toegangen");
        var at = receipt.WithdrawnAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        stdout.WriteLine(Say($"Withdrawn at {at} UTC. Signed receipt: the grantee had {accessed}" + (receipt.AccessedCount > 0 ? ":" : "."),
            $"Ingetrokken op {at} UTC. Ondertekend ontvangstbewijs: de ontvanger had {accessed}" + (receipt.AccessedCount > 0 ? ":" : ".")));
        Table([Say("ENTRY", "REGEL"), Say("TIME (UTC)", "TIJD (UTC)"), Say("ACTION", "ACTIE"), Say("RESOURCE", "BRON")],
            receipt.Accessed.Select(item => new[] { $"#{item.AuditIndex}", AtMinute(item.Time), item.Action, item.Resource }));
        stdout.WriteLine(Say($"Receipt saved with its signature: {saved}", $"Ontvangstbewijs met handtekening bewaard: {saved}"));
        stdout.WriteLine(ForProfile(NextHints.AfterReceipt(saved)));
        return 0;
    }
}
