using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// The family's side: guardians file requests about their family (any right), a child with its own account about its
/// own data (access, portability, rectification); both see where their requests stand, and the requester fetches an
/// erasure receipt even after the family is gone.
/// </summary>
internal static class RequestEndpoints
{
    private static readonly string[] ChildKinds = [RequestKinds.Access, RequestKinds.Portability, RequestKinds.Rectification];

    public static void Map(IEndpointRouteBuilder app)
    {
        var requests = app.MapGroup("/families/{familyId:guid}/requests").WithTags("Data-subject requests").RequireAuthorization();
        requests.MapPost("/", File).AllowWhileRestricted() // exercising a right is never blocked by another
            .WithSummary("File a data-subject request (guardians: any kind; a child: access, portability, rectification).");
        requests.MapGet("/", List).WithSummary("Guardians: the family's requests; a child: its own. With deadlines and outcomes.");
        app.MapGet("/requests/{requestId:guid}/receipt", Receipt).WithTags("Data-subject requests").RequireAuthorization()
            .WithSummary("The requester: the signed erasure receipt of their request (also after the family is gone).");
    }

    private static async Task<IResult> File(Guid familyId, CreateSubjectRequest request, HttpContext http, FamilyAccess access,
        VaultDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.RequestReceived, "requests", ct, Roles.Guardian, Roles.Child);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (!RequestKinds.IsKnown(request.Kind) || !DataSubjectModule.TryText(request.Details, 2000, required: false, out var details))
        {
            return Problems.Validation("Kind must be one of: " + string.Join(", ", RequestKinds.All) + "; details at most 2,000 characters.");
        }
        if (check.Membership.Role == Roles.Child && !ChildKinds.Contains(request.Kind))
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.RequestReceived, "requests", Problem.Forbidden, ct);
        }
        var filed = SubjectRequest.Received(familyId, request.Kind, actor.UserId, clock.GetUtcNow(), details);
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RequestReceived, familyId, $"request:{filed.Id}/{filed.Kind}"), ct);
        db.SubjectRequests.Add(filed);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/families/{familyId}/requests/{filed.Id}", DataSubjectModule.ToResponse(filed, hasReceipt: false));
    }

    private static async Task<IResult> List(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.MemberAsync(actor, familyId, AuditActions.RequestsRead, "requests", ct, Roles.Guardian, Roles.Child);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var requests = db.SubjectRequests.AsNoTracking().Where(r => r.FamilyId == familyId);
        if (check.Membership.Role == Roles.Child)
        {
            requests = requests.Where(r => r.RequestedBy == actor.UserId);
        }
        return TypedResults.Ok(await DataSubjectModule.Project(db, requests.OrderByDescending(r => r.ReceivedAt)).ToListAsync(ct));
    }

    private static async Task<IResult> Receipt(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var erasure = await db.Erasures.AsNoTracking()
            .Where(e => e.RequestId == requestId && e.Receipt != null
                        && db.SubjectRequests.Any(r => r.Id == requestId && r.RequestedBy == actor.UserId))
            .FirstOrDefaultAsync(ct);
        return await DataSubjectModule.ServeReceiptAsync(erasure, actor, audit, ct);
    }
}
