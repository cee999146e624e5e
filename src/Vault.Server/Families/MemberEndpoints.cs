using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;
using Vault.Contracts.Messaging;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.Families;

/// <summary>Joining by invitation, the member list (members scope), removal, and who can read what.</summary>
internal static class MemberEndpoints
{
    public static void MapFamilyMembers(this IEndpointRouteBuilder app)
    {
        var family = app.MapGroup("/families").WithTags("Families").RequireAuthorization();
        family.MapPost("/{familyId:guid}/invitations", Invite)
            .WithSummary("Invite someone into the family with a role (case workers: any; guardians: guardian, child, network).");
        family.MapPost("/invitations/accept", Accept).WithSummary("Join a family with an invitation, on an existing account.");
        family.MapGet("/{familyId:guid}/members", List).WithSummary("The family's members (members scope).");
        family.MapDelete("/{familyId:guid}/members/{userId:guid}", Remove)
            .WithSummary("Remove a member: their grants end at once and their key rings must rotate.")
            .AllowWhileRestricted(); // takes access away
        family.MapGet("/{familyId:guid}/guardians", Guardians)
            .WithSummary("The family's guardians with their keys: every channel is wrapped for them too.");
        family.MapGet("/{familyId:guid}/access", Overview)
            .WithSummary("Guardians: for each scope, every member and device that can read it now.");
    }

    private static async Task<IResult> Invite(Guid familyId, CreateFamilyInvitationRequest request, HttpContext http,
        FamilyAccess access, InvitationService invitations, VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.MemberInvited, ConsentScopes.Members, ct,
            Roles.Guardian, Roles.Coordinator, Roles.Wijkcoach);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (!Roles.IsFamilyRole(request.Role))
        {
            return Problems.Validation("Role must be one of: " + string.Join(", ", Roles.FamilyRoles) + ".");
        }
        var resource = $"{ConsentScopes.Members}/invitation/{request.Role}";
        if (check.Membership.Role == Roles.Guardian && request.Role is not (Roles.Guardian or Roles.Child or Roles.Network))
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.MemberInvited, resource, Problem.Forbidden, ct);
        }
        // A guardian needs no grant, so adding one is the family's decision: case workers invite the first guardians
        // only, while the family has none.
        if (request.Role == Roles.Guardian && check.Membership.Role != Roles.Guardian
            && await db.Memberships.AnyAsync(m => m.FamilyId == familyId && m.Role == Roles.Guardian && m.RemovedAt == null, ct))
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.MemberInvited, resource,
                new Problem(403, ProblemTypes.Forbidden, "Only the family's guardians can add a guardian."), ct);
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if ((request.Role == Roles.Child) != request.DateOfBirth.HasValue
            || (request.DateOfBirth is { } born && (born > today || SignerRules.AgeOn(born, today) < options.Value.Consent.ChildSaysFromAge)))
        {
            return Problems.Validation($"A child's date of birth is required (and only for a child); accounts from age {options.Value.Consent.ChildSaysFromAge}.");
        }
        var policy = options.Value.Invitations;
        if (request.ValidForHours is { } hours && (hours < 1 || hours > policy.MaxValidForHours))
        {
            return Problems.Validation($"validForHours must be between 1 and {policy.MaxValidForHours}.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.MemberInvited, familyId, resource), ct);
        var (invitation, code) = await invitations.CreateAsync(request.Role, actor.UserId, request.ValidForHours, familyId,
            request.DateOfBirth, ct);
        return TypedResults.Ok(new InvitationResponse(invitation.Id, code, invitation.Role, invitation.ExpiresAt));
    }

    private static async Task<IResult> Accept(AcceptFamilyInvitationRequest request, HttpContext http, VaultDbContext db,
        InvitationService invitations, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var invitation = await invitations.PeekAsync(request.Code, ct);
        if (invitation?.FamilyId is not { } familyId || invitation.Role != actor.Role || !await StillAllowedAsync(db, invitation, ct))
        {
            return Problems.BadRequest(ProblemTypes.InvalidInvitation,
                "The invitation code is invalid, expired, used, not for a family (or its family is restricted), or for another role than your account's.");
        }
        // Audited before the write transaction: the audit writer must never wait on a lock this request holds.
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.MemberJoined, familyId, $"{ConsentScopes.Members}/{actor.UserId}"), ct);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            if (await invitations.RedeemAsync(request.Code, actor.UserId, ct) is null)
            {
                return Problems.BadRequest(ProblemTypes.InvalidInvitation, "The invitation was used a moment ago.");
            }
            await JoinAsync(db, invitation, actor.UserId, clock.GetUtcNow(), ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        var family = await db.Families.AsNoTracking().FirstAsync(f => f.Id == familyId, ct);
        return TypedResults.Ok(new FamilySummary(family.Id, family.Reference, invitation.Role, family.CreatedAt));
    }

    /// <summary>
    /// The rules that held when the invitation was made still hold at redemption: its inviter is still an active
    /// member, the family is not restricted or being erased, and a guardian invitation from a case worker is void once the family has a guardian (else a case
    /// worker could keep a spare code and make themselves a guardian later).
    /// </summary>
    public static async Task<bool> StillAllowedAsync(VaultDbContext db, Invitation invitation, CancellationToken ct)
    {
        var familyId = invitation.FamilyId!.Value;
        if (!await db.Families.AnyAsync(f => f.Id == familyId && f.RestrictedAt == null && f.ErasingSince == null, ct))
        {
            return false; // a restricted family takes no new members; one being erased has none
        }
        var inviter = await db.Memberships.AsNoTracking()
            .FirstOrDefaultAsync(m => m.FamilyId == familyId && m.UserId == invitation.CreatedBy && m.RemovedAt == null, ct);
        if (inviter is null)
        {
            return false;
        }
        return invitation.Role != Roles.Guardian || inviter.Role == Roles.Guardian
               || !await db.Memberships.AnyAsync(m => m.FamilyId == familyId && m.Role == Roles.Guardian && m.RemovedAt == null, ct);
    }

    /// <summary>Adds (or restores) the membership a family invitation promises; the caller saves.</summary>
    public static async Task JoinAsync(VaultDbContext db, Invitation invitation, Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        var familyId = invitation.FamilyId!.Value;
        var existing = await db.Memberships.FirstOrDefaultAsync(m => m.FamilyId == familyId && m.UserId == userId, ct);
        if (existing is null)
        {
            db.Memberships.Add(new Membership
            {
                FamilyId = familyId, UserId = userId, Role = invitation.Role, DateOfBirth = invitation.DateOfBirth,
                InvitedBy = invitation.CreatedBy, JoinedAt = now,
            });
            return;
        }
        existing.Role = invitation.Role;
        existing.DateOfBirth = invitation.DateOfBirth;
        existing.InvitedBy = invitation.CreatedBy;
        existing.JoinedAt = now;
        existing.RemovedAt = null;
    }

    private static async Task<IResult> List(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db, CancellationToken ct)
    {
        var check = await access.ScopeAsync(Actor.From(http), familyId, ConsentScopes.Members, Permissions.Read,
            AuditActions.MembersRead, ConsentScopes.Members, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var guardian = check.Membership.Role == Roles.Guardian;
        var members = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u.UserName }).ToListAsync(ct);
        return TypedResults.Ok(members.OrderBy(x => x.m.JoinedAt).Select(x => new MemberInfo(x.m.UserId, x.UserName!, x.m.Role,
            x.m.JoinedAt, x.m.RemovedAt, guardian ? x.m.DateOfBirth : null)).ToList());
    }

    private static async Task<IResult> Remove(Guid familyId, Guid userId, HttpContext http, FamilyAccess access, VaultDbContext db,
        AuditLog audit, AccessNotifier notifier, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.MemberRemoved, $"{ConsentScopes.Members}/{userId}", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (userId != actor.UserId && check.Membership.Role is not (Roles.Guardian or Roles.Coordinator or Roles.Wijkcoach))
        {
            // anyone may leave; guardians and case workers may remove others
            return await access.RefuseAsync(actor, familyId, AuditActions.MemberRemoved, $"{ConsentScopes.Members}/{userId}", Problem.Forbidden, ct);
        }
        var member = await db.Memberships.FirstOrDefaultAsync(m => m.FamilyId == familyId && m.UserId == userId && m.RemovedAt == null, ct);
        if (member is null)
        {
            return Problems.NotFound();
        }
        if (member.Role == Roles.Guardian && userId != actor.UserId && check.Membership.Role != Roles.Guardian)
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.MemberRemoved, $"{ConsentScopes.Members}/{userId}",
                new Problem(403, ProblemTypes.Forbidden, "Only the family's guardians can remove a guardian."), ct);
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.MemberRemoved, familyId, $"{ConsentScopes.Members}/{userId}"), ct);
        var now = clock.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            member.RemovedAt = now;
            var grants = await db.Grants.Where(g => g.FamilyId == familyId && g.GranteeUserId == userId && g.WithdrawnAt == null).ToListAsync(ct);
            foreach (var grant in grants)
            {
                grant.Withdraw(now, actor.UserId, "member removed");
            }
            await db.SaveChangesAsync(ct);
            await KeyRingStaleness.UserAsync(db, familyId, userId, ct);
            await transaction.CommitAsync(ct);
        }
        await notifier.NotifyUserAsync(userId, new AccessChange(familyId, "*", AccessChanges.Removed), ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Guardians(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var check = await access.MemberAsync(Actor.From(http), familyId, AuditActions.MembersRead, $"{ConsentScopes.Members}/guardians", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var guardians = await db.Memberships.AsNoTracking()
            .Where(m => m.FamilyId == familyId && m.RemovedAt == null && m.Role == Roles.Guardian).ToListAsync(ct);
        return TypedResults.Ok(await Recipients.LoadAsync(db, guardians, ct));
    }

    private static async Task<IResult> Overview(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var check = await access.MemberAsync(Actor.From(http), familyId, AuditActions.AccessRead, "access", ct, Roles.Guardian);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channelScopes = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).Select(c => c.Id).ToListAsync(ct);
        var grantScopes = await db.Grants.AsNoTracking().Where(g => g.FamilyId == familyId).Select(g => g.Scope).Distinct().ToListAsync(ct);
        var scopes = new[] { ConsentScopes.Progress, ConsentScopes.Members }.Concat(ConsentScopes.DocumentCategories.Select(ConsentScopes.Documents))
            .Concat(channelScopes.Select(ConsentScopes.Channel)).Concat(grantScopes).Distinct(StringComparer.Ordinal);
        var result = new List<ScopeAccess>();
        foreach (var scope in scopes)
        {
            result.Add(new ScopeAccess(scope, await Recipients.LoadAsync(db, await access.ReadersAsync(familyId, scope, ct), ct)));
        }
        return TypedResults.Ok(result);
    }
}
