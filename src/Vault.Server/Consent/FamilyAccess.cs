using Vault.Contracts;
using Vault.Server.Access;
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
/// can serve anything. Decisions are made on the family's state in memory (<see cref="AccessCache"/>): no database
/// read on the way, except the first use of a family after a change (and, with several nodes, a read of its stamp).
/// </summary>
public sealed class FamilyAccess(AccessCache cache, AuditLog audit, TimeProvider clock)
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
        var state = await cache.GetCurrentAsync(familyId, ct);
        if (!state.Members.TryGetValue(actor.UserId, out var member))
        {
            return await DenyAsync(actor, state, familyId, action, resource, Problem.NotFound, ct);
        }
        if (roles.Length > 0 && !roles.Contains(member.Role, StringComparer.Ordinal))
        {
            return await DenyAsync(actor, state, familyId, action, resource, Problem.Forbidden, ct);
        }
        if (auditAllowed)
        {
            await audit.AppendAsync(AuditEvent.For(actor, action, familyId, resource), ct);
        }
        return new Access(ToMembership(familyId, member), "", null);
    }

    private async Task<Access> ScopeCoreAsync(Actor actor, Guid familyId, string scope, string permission, string action,
        string resource, bool auditAllowed, CancellationToken ct)
    {
        var state = await cache.GetCurrentAsync(familyId, ct);
        if (!state.Members.TryGetValue(actor.UserId, out var member))
        {
            return await DenyAsync(actor, state, familyId, action, resource, Problem.NotFound, ct);
        }
        var purpose = state.PurposeOf(actor.UserId, scope, permission, Now);
        if (purpose is null)
        {
            return await DenyAsync(actor, state, familyId, action, resource, Problem.NoConsent, ct);
        }
        if (auditAllowed)
        {
            await audit.AppendAsync(AuditEvent.For(actor, action, familyId, resource, purpose), ct);
        }
        return new Access(ToMembership(familyId, member), purpose, null);
    }

    /// <summary>The same decision without auditing, for callers that audit in bulk (real-time delivery).</summary>
    public async Task<bool> CanAsync(Guid userId, Guid familyId, string scope, string permission, CancellationToken ct) =>
        (await cache.GetCurrentAsync(familyId, ct)).PurposeOf(userId, scope, permission, Now) is not null;

    /// <summary>Everyone who may read a scope at this moment.</summary>
    public async Task<List<Membership>> ReadersAsync(Guid familyId, string scope, CancellationToken ct) =>
        (await cache.GetCurrentAsync(familyId, ct)).Readers(scope, Now).Select(m => ToMembership(familyId, m)).ToList();

    /// <summary>
    /// Everyone who may read a scope as <paramref name="db"/>'s current transaction sees it: for a re-check under the
    /// write lock, where a change committed a moment ago must count even before the cache has heard of it.
    /// </summary>
    public async Task<List<Membership>> ReadersInTransactionAsync(VaultDbContext db, Guid familyId, string scope, CancellationToken ct) =>
        (await FamilyState.LoadAsync(db, familyId, ct)).Readers(scope, Now).Select(m => ToMembership(familyId, m)).ToList();

    public async Task<Membership?> ActiveMembershipAsync(Guid userId, Guid familyId, CancellationToken ct) =>
        (await cache.GetCurrentAsync(familyId, ct)).Members.TryGetValue(userId, out var member) ? ToMembership(familyId, member) : null;

    /// <summary>A refusal decided after the access check (a finer role rule): audited as denied, then answered.</summary>
    public async Task<IResult> RefuseAsync(Actor actor, Guid familyId, string action, string resource, Problem problem,
        CancellationToken ct) =>
        (await DenyAsync(actor, await cache.GetCurrentAsync(familyId, ct), familyId, action, resource, problem, ct)).Denied!.ToResult();

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static Membership ToMembership(Guid familyId, MemberState m) =>
        new() { FamilyId = familyId, UserId = m.UserId, Role = m.Role, DateOfBirth = m.DateOfBirth };

    private async Task<Access> DenyAsync(Actor actor, FamilyState state, Guid familyId, string action, string resource, Problem problem,
        CancellationToken ct)
    {
        // An attempt on an existing family is that family's business: it lands in the family's own audit trail.
        await audit.AppendAsync(new AuditEvent(actor, action, false, state.Exists ? familyId : null,
            state.Exists ? resource : $"family:{familyId}/{resource}"), ct);
        return new Access(null, "", problem);
    }
}
