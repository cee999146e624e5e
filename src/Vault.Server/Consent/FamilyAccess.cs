using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.Consent;

/// <summary>The outcome of an access check: the caller's membership and the purpose of the grant, or a refusal.</summary>
public sealed record Access(Membership? Member, string Purpose, Problem? Denied)
{
    public Membership Membership => Member ?? throw new InvalidOperationException("Access was denied.");
}

/// <summary>
/// The one place that decides access to a family's data, deny by default: a non-member gets 404 (another family's
/// resources look like nothing), a member without an active grant for the scope gets 403 no-consent. Guardians are
/// the family and need no grant. Every decision, allowed or denied, is appended to the audit log before the caller
/// can serve anything.
/// </summary>
public sealed class FamilyAccess(VaultDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>Membership is enough (e.g. reading the family's summary); <paramref name="roles"/> narrows it.</summary>
    public Task<Access> MemberAsync(Actor actor, Guid familyId, string action, string resource, CancellationToken ct,
        params string[] roles) => MemberCoreAsync(actor, familyId, action, resource, auditAllowed: true, roles, ct);

    /// <summary>
    /// As <see cref="MemberAsync"/>, but an allowed outcome is not yet audited: for changes that validate their
    /// input first, so the log never says "allowed" for a request that then changed nothing. The caller audits.
    /// </summary>
    public Task<Access> CheckMemberAsync(Actor actor, Guid familyId, string action, string resource, CancellationToken ct,
        params string[] roles) => MemberCoreAsync(actor, familyId, action, resource, auditAllowed: false, roles, ct);

    /// <summary>Access to one scope with a permission: a guardian, or an active grant that covers it.</summary>
    public Task<Access> ScopeAsync(Actor actor, Guid familyId, string scope, string permission, string action,
        string resource, CancellationToken ct) =>
        ScopeCoreAsync(actor, familyId, scope, permission, action, resource, auditAllowed: true, ct);

    /// <summary>As <see cref="ScopeAsync"/> without auditing an allowed outcome (the caller audits after validating).</summary>
    public Task<Access> CheckScopeAsync(Actor actor, Guid familyId, string scope, string permission, string action,
        string resource, CancellationToken ct) =>
        ScopeCoreAsync(actor, familyId, scope, permission, action, resource, auditAllowed: false, ct);

    private async Task<Access> MemberCoreAsync(Actor actor, Guid familyId, string action, string resource,
        bool auditAllowed, string[] roles, CancellationToken ct)
    {
        var member = await ActiveMembershipAsync(actor.UserId, familyId, ct);
        if (member is null)
        {
            return await DenyAsync(actor, familyId, action, resource, Problem.NotFound, ct);
        }
        if (roles.Length > 0 && !roles.Contains(member.Role, StringComparer.Ordinal))
        {
            return await DenyAsync(actor, familyId, action, resource, Problem.Forbidden, ct);
        }
        if (auditAllowed)
        {
            await audit.AppendAsync(AuditEvent.For(actor, action, familyId, resource), ct);
        }
        return new Access(member, "", null);
    }

    private async Task<Access> ScopeCoreAsync(Actor actor, Guid familyId, string scope, string permission, string action,
        string resource, bool auditAllowed, CancellationToken ct)
    {
        var member = await ActiveMembershipAsync(actor.UserId, familyId, ct);
        if (member is null)
        {
            return await DenyAsync(actor, familyId, action, resource, Problem.NotFound, ct);
        }
        var purpose = await PurposeAsync(member, scope, permission, ct);
        if (purpose is null)
        {
            return await DenyAsync(actor, familyId, action, resource, Problem.NoConsent, ct);
        }
        if (auditAllowed)
        {
            await audit.AppendAsync(AuditEvent.For(actor, action, familyId, resource, purpose), ct);
        }
        return new Access(member, purpose, null);
    }

    /// <summary>The same decision without auditing, for callers that audit in bulk (real-time delivery).</summary>
    public async Task<bool> CanAsync(Guid userId, Guid familyId, string scope, string permission, CancellationToken ct)
    {
        var member = await ActiveMembershipAsync(userId, familyId, ct);
        return member is not null && await PurposeAsync(member, scope, permission, ct) is not null;
    }

    /// <summary>Everyone who may read a scope at this moment.</summary>
    public async Task<List<Membership>> ReadersAsync(Guid familyId, string scope, CancellationToken ct)
    {
        var grantees = InForce(familyId, scope).Select(g => g.GranteeUserId);
        var subject = await SubjectOfAsync(familyId, scope, ct);
        var members = await db.Memberships.AsNoTracking()
            .Where(m => m.FamilyId == familyId && m.RemovedAt == null
                        && (m.Role == Roles.Guardian || m.UserId == subject || grantees.Contains(m.UserId)))
            .ToListAsync(ct);
        return members.Where(m => m.Role == Roles.Guardian || m.UserId == subject || ScopeLimits.MayHold(m.Role, scope)).ToList();
    }

    /// <summary>The child a channel scope is about, if any.</summary>
    private async Task<Guid?> SubjectOfAsync(Guid familyId, string scope, CancellationToken ct) =>
        ConsentScopes.TryChannel(scope, out var channelId)
            ? await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.FamilyId == familyId)
                .Select(c => c.SubjectUserId).FirstOrDefaultAsync(ct)
            : null;

    public Task<Membership?> ActiveMembershipAsync(Guid userId, Guid familyId, CancellationToken ct) =>
        db.Memberships.AsNoTracking().FirstOrDefaultAsync(m => m.FamilyId == familyId && m.UserId == userId && m.RemovedAt == null, ct);

    /// <summary>Grants of a scope that are signed, started, unexpired and not withdrawn.</summary>
    public IQueryable<Grant> InForce(Guid familyId, string scope)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return db.Grants.AsNoTracking().Where(g => g.FamilyId == familyId && g.Scope == scope && g.ActivatedAt != null
            && g.WithdrawnAt == null && g.ValidFromUnixMs <= now && (g.ValidUntilUnixMs == 0 || g.ValidUntilUnixMs > now));
    }

    private async Task<string?> PurposeAsync(Membership member, string scope, string permission, CancellationToken ct)
    {
        if (member.Role == Roles.Guardian)
        {
            return "family"; // the family's own data
        }
        if (member.Role == Roles.Child && await SubjectOfAsync(member.FamilyId, scope, ct) == member.UserId)
        {
            return "own"; // a channel about this child
        }
        if (!ScopeLimits.MayHold(member.Role, scope))
        {
            return null; // role limits hold whatever was signed
        }
        var grants = await InForce(member.FamilyId, scope).Where(g => g.GranteeUserId == member.UserId)
            .Select(g => new { g.Permission, g.Purpose }).ToListAsync(ct);
        return grants.FirstOrDefault(g => Permissions.Covers(g.Permission, permission))?.Purpose;
    }

    /// <summary>A refusal decided after the access check (a finer role rule): audited as denied, then answered.</summary>
    public async Task<IResult> RefuseAsync(Actor actor, Guid familyId, string action, string resource, Problem problem,
        CancellationToken ct) => (await DenyAsync(actor, familyId, action, resource, problem, ct)).Denied!.ToResult();

    private async Task<Access> DenyAsync(Actor actor, Guid familyId, string action, string resource, Problem problem,
        CancellationToken ct)
    {
        // An attempt on an existing family is that family's business: it lands in the family's own audit trail.
        var exists = await db.Families.AnyAsync(f => f.Id == familyId, ct);
        await audit.AppendAsync(new AuditEvent(actor, action, false, exists ? familyId : null,
            exists ? resource : $"family:{familyId}/{resource}"), ct);
        return new Access(null, "", problem);
    }
}
