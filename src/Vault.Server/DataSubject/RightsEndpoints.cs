using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// The rights that change data, carried out by the privacy officer: restriction (and lifting it), rectification of account
/// data, erasure — and the legal hold that blocks erasure. A change to a family's restriction gives it a new access stamp
/// (AccessStamps), so every node refuses or allows writes from the commit on.
/// </summary>
internal static class RightsEndpoints
{
    public static void Map(RouteGroupBuilder privacy)
    {
        privacy.MapPost("/requests/{requestId:guid}/restrict", Restrict).WithSummary("Privacy officer: make the family read-only (AVG article 18).");
        privacy.MapPost("/families/{familyId:guid}/restriction/lift", Lift).WithSummary("Privacy officer: lift a restriction, with the reason.");
        privacy.MapPut("/families/{familyId:guid}/legal-hold", Hold)
            .WithSummary("Privacy officer: a retention duty that blocks erasure (e.g. Jeugdwet: 20 years after care ends), with its ground.");
        privacy.MapDelete("/families/{familyId:guid}/legal-hold", Release).WithSummary("Privacy officer: lift the legal hold.");
        privacy.MapPost("/requests/{requestId:guid}/rectify", Rectify).WithSummary("Privacy officer: correct a member's account data (AVG article 16).");
        privacy.MapPost("/requests/{requestId:guid}/erase", Erase)
            .WithSummary("Privacy officer: erase the family by crypto-shredding; answers with the signed receipt, or legal-hold and why.");
    }

    private static Task<IResult> Restrict(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit, TimeProvider clock) =>
        OfficerEndpoints.OnRequestAsync(requestId, AuditActions.FamilyRestricted, http, db, audit, async (request, token) =>
        {
            if (request.Kind != RequestKinds.Restriction)
            {
                return (Problems.Validation("Only a restriction request restricts a family."), null);
            }
            var family = await db.Families.FirstAsync(f => f.Id == request.FamilyId, token);
            family.RestrictedAt ??= clock.GetUtcNow();
            OfficerEndpoints.Close(request, RequestStatus.Done, "Restricted: the family's data can be read, not changed, until the restriction is lifted.", clock);
            return (null, null);
        });

    private static async Task<IResult> Lift(Guid familyId, ReasonRequest body, HttpContext http, VaultDbContext db, AuditLog audit,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.RestrictionLifted, "restriction", ct) is { } refused)
        {
            return refused;
        }
        var family = await FindAsync(db, familyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        if (!DataSubjectModule.TryText(body.Reason, 1000, required: true, out var reason))
        {
            return Problems.Validation("A reason of at most 1,000 characters is required.");
        }
        if (family.RestrictedAt is null)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "The family is not restricted.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RestrictionLifted, familyId, "restriction", reason!), ct);
        family.RestrictedAt = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Hold(Guid familyId, LegalHoldRequest body, HttpContext http, VaultDbContext db, AuditLog audit,
        TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.LegalHoldSet, "legal-hold", ct) is { } refused)
        {
            return refused;
        }
        var family = await FindAsync(db, familyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        if (!DataSubjectModule.TryText(body.Ground, 500, required: true, out var ground)
            || body.Until is { } until && until < DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
        {
            return Problems.Validation("A ground of at most 500 characters is required, and an end (if any) not in the past.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.LegalHoldSet, familyId, "legal-hold", ground!), ct);
        family.LegalHoldGround = ground;
        family.LegalHoldUntil = body.Until;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Release(Guid familyId, HttpContext http, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.LegalHoldLifted, "legal-hold", ct) is { } refused)
        {
            return refused;
        }
        var family = await FindAsync(db, familyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.LegalHoldLifted, familyId, "legal-hold"), ct);
        family.LegalHoldGround = null;
        family.LegalHoldUntil = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static Task<IResult> Rectify(Guid requestId, RectifyAccountRequest body, HttpContext http, VaultDbContext db, AuditLog audit,
        TimeProvider clock) =>
        OfficerEndpoints.OnRequestAsync(requestId, AuditActions.AccountRectified, http, db, audit, async (request, token) =>
        {
            if (request.Kind != RequestKinds.Rectification || !DataSubjectModule.TryText(body.Email, 256, required: true, out var email)
                || !System.Net.Mail.MailAddress.TryCreate(email, out _))
            {
                return (Problems.Validation("A rectification request, and the corrected e-mail address."), null);
            }
            // Only the account of someone who is or was in the request's family: the officer acts on that family's request.
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == body.UserId
                && db.Memberships.Any(m => m.FamilyId == request.FamilyId && m.UserId == u.Id), token);
            if (user is null)
            {
                return (Problems.NotFound(), null);
            }
            user.Email = email;
            user.NormalizedEmail = email!.ToUpperInvariant();
            OfficerEndpoints.Close(request, RequestStatus.Done, "Rectified: the account's e-mail address.", clock);
            return (null, $"account:{user.Id}/email");
        });

    private static async Task<IResult> Erase(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit, FamilyErasure erasure,
        ErasureRunner runner, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var resource = $"request:{requestId}";
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.ErasureStarted, resource, ct) is { } refused)
        {
            return refused;
        }
        var request = await db.SubjectRequests.FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return Problems.NotFound();
        }
        if (await db.Erasures.AsNoTracking().FirstOrDefaultAsync(e => e.RequestId == requestId, ct) is { } begun)
        {
            // Asked again (after a failure, or to see the receipt once more): finish it if need be, audited as a receipt read.
            await audit.AppendAsync(AuditEvent.For(actor, AuditActions.ReceiptRead, null, $"erasure:{begun.Id}"), ct);
            return TypedResults.Ok(await runner.RunAsync(begun.Id, ct));
        }
        if (!RequestStatus.IsOpen(request.Status))
        {
            return Problems.Result(409, ProblemTypes.RequestClosed, $"This request is {request.Status} already.");
        }
        if (request.Kind != RequestKinds.Erasure)
        {
            return Problems.Validation("Only an erasure request erases a family.");
        }
        var family = await FindAsync(db, request.FamilyId, ct);
        if (family is null)
        {
            return Problems.NotFound();
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (family.LegalHoldGround is { } ground && (family.LegalHoldUntil is null || family.LegalHoldUntil >= today))
        {
            var why = family.LegalHoldUntil is { } until ? $"{ground} (until {until:yyyy-MM-dd})" : ground;
            await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RequestRefused, family.Id, $"{resource}/{request.Kind}", $"legal hold: {why}"), ct);
            OfficerEndpoints.Close(request, RequestStatus.Refused, $"Not erased: a legal retention duty applies. {why}", clock);
            await db.SaveChangesAsync(ct);
            return Problems.Result(409, ProblemTypes.LegalHold, "A legal hold blocks erasure; the request is refused with its ground.", why);
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.ErasureStarted, family.Id, $"{resource}/{request.Kind}"), ct);
        return await erasure.BeginAsync(family.Id, request, ErasureReasons.Request, ct) is { } erasureId
            ? TypedResults.Ok(await runner.RunAsync(erasureId, ct))
            : Problems.Result(409, ProblemTypes.Conflict, "The family is being erased already (its retention ran out).");
    }

    private static Task<Family?> FindAsync(VaultDbContext db, Guid familyId, CancellationToken ct) =>
        db.Families.FirstOrDefaultAsync(f => f.Id == familyId && f.ErasingSince == null, ct);
}
