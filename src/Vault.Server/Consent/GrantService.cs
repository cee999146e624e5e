using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.Consent;

/// <summary>
/// Checks a submitted grant against the family and the rules that hold whatever is signed, and verifies every
/// signature over the canonical encoding with the signer's registered, unrevoked device key. Nothing is saved here.
/// </summary>
public sealed class GrantService(VaultDbContext db, TimeProvider clock, IOptions<VaultOptions> options)
{
    /// <summary>A new grant from a request, or why not. <paramref name="newChannel"/>: a channel being created with it.</summary>
    public async Task<(Grant? Grant, Problem? Problem)> PrepareAsync(Guid familyId, SubmitGrantRequest request, Guid submittedBy,
        NewChannel? newChannel, CancellationToken ct)
    {
        var body = request.Grant;
        if (body is null || request.Signatures is not { Count: > 0 and <= 8 } || request.Signatures.Any(s => s is null))
        {
            return (null, Invalid("A grant and one to eight signatures are required."));
        }
        if (body.FamilyId != familyId || body.GrantId == Guid.Empty)
        {
            return (null, Invalid("The grant names another family or has no id."));
        }
        if (await db.Grants.AnyAsync(g => g.Id == body.GrantId, ct))
        {
            return (null, new Problem(409, ProblemTypes.GrantReplayed, "This grant was submitted before; sign a new one."));
        }
        var members = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId && m.RemovedAt == null).ToListAsync(ct);
        if (Check(body, members, newChannel?.Id) is { } fieldProblem)
        {
            return (null, fieldProblem);
        }
        if (ConsentScopes.TryChannel(body.Scope, out var channelId))
        {
            var channel = channelId == newChannel?.Id
                ? newChannel
                : await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.FamilyId == familyId)
                    .Select(c => new NewChannel(c.Id, c.SubjectUserId)).FirstOrDefaultAsync(ct);
            if (channel is null)
            {
                return (null, Invalid("The grant's channel does not exist in this family."));
            }
            if (channel.SubjectUserId != body.SubjectUserId)
            {
                // The age rules must decide about a child's channel: its grants name the child.
                return (null, Invalid("A grant for a channel about a child must name that child as its subject, and only then."));
            }
            if (body.GranteeUserId == channel.SubjectUserId)
            {
                return (null, Invalid("The child a channel is about needs no grant for it."));
            }
        }
        var now = clock.GetUtcNow();
        var grant = new Grant
        {
            Id = body.GrantId, FamilyId = familyId, GranteeUserId = body.GranteeUserId, SubjectUserId = body.SubjectUserId,
            Scope = body.Scope, Permission = body.Permission, Purpose = body.Purpose.Trim(), LegalBasis = body.LegalBasis,
            ValidFromUnixMs = body.ValidFromUnixMs, ValidUntilUnixMs = body.ValidUntilUnixMs, CreatedBy = submittedBy,
            CreatedAt = now,
        };
        var rules = Rules(grant, members);
        foreach (var signature in request.Signatures)
        {
            if (await VerifyAsync(grant, signature, rules, ct) is { } problem)
            {
                return (null, problem);
            }
            if (grant.Signatures.Any(s => s.SignerUserId == signature.SignerUserId))
            {
                return (null, Invalid("Each signer signs once."));
            }
            grant.Signatures.Add(new GrantSigning
            {
                GrantId = grant.Id, SignerUserId = signature.SignerUserId, SignerDeviceId = signature.SignerDeviceId,
                Signature = signature.Signature, SignedAt = now,
            });
        }
        Activate(grant, rules);
        return (grant, null);
    }

    /// <summary>A further signature (a child co-signing); activates the grant once the rules are met.</summary>
    public async Task<Problem?> AddSignatureAsync(Grant grant, GrantSignature signature, CancellationToken ct)
    {
        if (grant.WithdrawnAt is not null)
        {
            return new Problem(409, ProblemTypes.Conflict, "The grant was withdrawn.");
        }
        if (grant.Signatures.Any(s => s.SignerUserId == signature.SignerUserId))
        {
            return new Problem(409, ProblemTypes.Conflict, "This signer has signed already.");
        }
        var rules = Rules(grant, await ActiveMembersAsync(grant.FamilyId, ct));
        if (await VerifyAsync(grant, signature, rules, ct) is { } problem)
        {
            return problem;
        }
        grant.Signatures.Add(new GrantSigning
        {
            GrantId = grant.Id, SignerUserId = signature.SignerUserId, SignerDeviceId = signature.SignerDeviceId,
            Signature = signature.Signature, SignedAt = clock.GetUtcNow(),
        });
        Activate(grant, rules);
        return null;
    }

    public async Task<GrantResponse> ToResponseAsync(Grant grant, CancellationToken ct)
    {
        var signers = grant.Signatures.Select(s => s.SignerUserId).ToList();
        var awaiting = grant.ActivatedAt is null && grant.WithdrawnAt is null
            ? Rules(grant, await ActiveMembersAsync(grant.FamilyId, ct)).Awaiting(signers)
            : [];
        return new GrantResponse(ToBody(grant), Status(grant),
            grant.Signatures.Select(s => new GrantSignature(s.SignerUserId, s.SignerDeviceId, s.Signature)).ToList(),
            awaiting, grant.CreatedAt, grant.WithdrawnAt, grant.WithdrawnBy, grant.WithdrawalReason);
    }

    public string Status(Grant grant)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return grant switch
        {
            { WithdrawnAt: not null } => GrantStatus.Withdrawn,
            { ActivatedAt: null } => GrantStatus.Pending,
            _ when GrantWindow.HasEnded(grant.ValidUntilUnixMs, now) => GrantStatus.Expired,
            _ when !GrantWindow.HasStarted(grant.ValidFromUnixMs, now) => GrantStatus.NotYetValid,
            _ => GrantStatus.Active,
        };
    }

    public static ConsentGrantBody ToBody(Grant g) => new(g.Id, g.FamilyId, g.GranteeUserId, g.SubjectUserId, g.Scope,
        g.Permission, g.Purpose, g.LegalBasis, g.ValidFromUnixMs, g.ValidUntilUnixMs);

    public SignerRules Rules(Grant grant, IReadOnlyList<Membership> members) =>
        SignerRules.For(grant.SubjectUserId, members, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), options.Value.Consent);

    private Task<List<Membership>> ActiveMembersAsync(Guid familyId, CancellationToken ct) =>
        db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId && m.RemovedAt == null).ToListAsync(ct);

    private void Activate(Grant grant, SignerRules rules)
    {
        if (grant.ActivatedAt is null && rules.IsSatisfiedBy(grant.Signatures.Select(s => s.SignerUserId)))
        {
            grant.ActivatedAt = clock.GetUtcNow();
        }
    }

    private Problem? Check(ConsentGrantBody body, List<Membership> members, Guid? newChannelId)
    {
        var grantee = members.FirstOrDefault(m => m.UserId == body.GranteeUserId);
        if (grantee is null)
        {
            return Invalid("The grantee is not a member of this family.");
        }
        if (grantee.Role == Roles.Guardian)
        {
            return Invalid("Guardians are the family: they need no grant.");
        }
        var isNewChannel = newChannelId is { } id && body.Scope == ConsentScopes.Channel(id);
        if (!ConsentScopes.IsValid(body.Scope) || (newChannelId is not null && !isNewChannel))
        {
            return Invalid("Unknown scope, or not the scope of the channel being created.");
        }
        if (!ScopeLimits.MayHold(grantee.Role, body.Scope))
        {
            return new Problem(400, ProblemTypes.ScopeNotAllowed, $"A {grantee.Role} cannot be granted {body.Scope}.");
        }
        if (!Permissions.IsKnown(body.Permission) || !LegalBases.IsKnown(body.LegalBasis))
        {
            return Invalid("Permission is read or write; the legal basis one of: " + string.Join(", ", LegalBases.All) + ".");
        }
        if (string.IsNullOrWhiteSpace(body.Purpose) || body.Purpose.Trim().Length > 500)
        {
            return Invalid("A purpose of 1 to 500 characters is required.");
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (body.ValidFromUnixMs <= 0 || (body.ValidUntilUnixMs != 0 && (body.ValidUntilUnixMs <= body.ValidFromUnixMs || body.ValidUntilUnixMs <= now)))
        {
            return Invalid("Validity must start at a positive time and end (if at all) after its start and in the future.");
        }
        // A subject brings in the child's say (and from 16 the child's say alone): only for data about that child, a
        // channel about it. Family-wide scopes stay the guardians' to grant.
        if (body.SubjectUserId is { } subject && (!body.Scope.StartsWith(ConsentScopes.ChannelPrefix, StringComparison.Ordinal)
            || members.FirstOrDefault(m => m.UserId == subject) is not { Role: Roles.Child, DateOfBirth: not null }))
        {
            return Invalid("A grant's subject must be a child member of this family, and the scope a channel about that child.");
        }
        return body.Purpose != body.Purpose.Trim() ? Invalid("The purpose must not start or end with spaces (it is signed as sent).") : null;
    }

    private async Task<Problem?> VerifyAsync(Grant grant, GrantSignature signature, SignerRules rules, CancellationToken ct)
    {
        if (signature.Signature is not { Length: DeviceKeys.SignatureBytes })
        {
            return new Problem(400, ProblemTypes.MalformedKey, "A signature is 64 bytes.");
        }
        if (!rules.Eligible.Contains(signature.SignerUserId))
        {
            return Invalid("The signer may not consent to this grant (a guardian, or the child from the configured age).");
        }
        var key = await db.Devices.AsNoTracking()
            .Where(d => d.Id == signature.SignerDeviceId && d.UserId == signature.SignerUserId && d.RevokedAt == null)
            .Select(d => d.SigningKey).FirstOrDefaultAsync(ct);
        var statement = ConsentGrant.Statement(grant.Id, grant.FamilyId, grant.GranteeUserId, grant.SubjectUserId, grant.Scope,
            grant.Permission, grant.Purpose, grant.LegalBasis, grant.ValidFromUnixMs, grant.ValidUntilUnixMs);
        return key is not null && DeviceKeys.Verify(signature.Signature, statement, key)
            ? null
            : new Problem(400, ProblemTypes.InvalidSignature, "The grant's signature does not verify with the signer's device key.");
    }

    private static Problem Invalid(string title) => new(400, ProblemTypes.InvalidGrant, title);
}

/// <summary>A channel a grant is for: being created (with its grants), or stored.</summary>
public sealed record NewChannel(Guid Id, Guid? SubjectUserId);
