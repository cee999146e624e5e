using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// The privacy officer's request queue and its lifecycle: record a request received outside Vault, start it, extend its
/// deadline once with a reason, refuse it with a reason, complete it. The rights that change data are in
/// <see cref="RightsEndpoints"/>. Every call is the officer's alone and audited before it is answered.
/// </summary>
internal static class OfficerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var privacy = app.MapGroup("/privacy").WithTags("Data-subject requests").RequireAuthorization().AllowWhileRestricted();
        privacy.MapGet("/requests", Queue).WithSummary("Privacy officer: requests by due date (open ones unless ?all=true).");
        privacy.MapPost("/families/{familyId:guid}/requests", Record).WithSummary("Privacy officer: record a request received by letter or in person.");
        privacy.MapGet("/requests/{requestId:guid}", Read).WithSummary("Privacy officer: one request.");
        privacy.MapPost("/requests/{requestId:guid}/start", Start).WithSummary("Privacy officer: take a received request in hand.");
        privacy.MapPost("/requests/{requestId:guid}/extend", Extend)
            .WithSummary("Privacy officer: extend the deadline by two months, once, with the reason (AVG article 12(3)).");
        privacy.MapPost("/requests/{requestId:guid}/refuse", Refuse).WithSummary("Privacy officer: refuse, with the reason the requester will read.");
        privacy.MapPost("/requests/{requestId:guid}/complete", Complete)
            .WithSummary("Privacy officer: close an access, portability or rectification request as done, saying what was done.");
        privacy.MapGet("/requests/{requestId:guid}/receipt", Receipt).WithSummary("Privacy officer: the signed erasure receipt.");
        RightsEndpoints.Map(privacy);
    }

    private static async Task<IResult> Queue(bool? all, HttpContext http, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.RequestsRead, "requests", ct) is { } refused)
        {
            return refused;
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RequestsRead, null, "requests"), ct);
        var requests = db.SubjectRequests.AsNoTracking();
        if (all != true)
        {
            requests = requests.Where(r => r.Status == RequestStatus.Received || r.Status == RequestStatus.InProgress);
        }
        return TypedResults.Ok(await DataSubjectModule.Project(db, requests.OrderBy(r => r.DueAt)).ToListAsync(ct));
    }

    private static async Task<IResult> Record(Guid familyId, CreateSubjectRequest request, HttpContext http, VaultDbContext db,
        AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.RequestReceived, "requests", ct) is { } refused)
        {
            return refused;
        }
        if (!await db.Families.AnyAsync(f => f.Id == familyId && f.ErasingSince == null, ct))
        {
            return Problems.NotFound();
        }
        if (!RequestKinds.IsKnown(request.Kind) || !DataSubjectModule.TryText(request.Details, 2000, required: false, out var details))
        {
            return Problems.Validation("Kind must be one of: " + string.Join(", ", RequestKinds.All) + "; details at most 2,000 characters.");
        }
        var recorded = SubjectRequest.Received(familyId, request.Kind, actor.UserId, clock.GetUtcNow(), details);
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.RequestReceived, familyId, $"request:{recorded.Id}/{recorded.Kind}"), ct);
        db.SubjectRequests.Add(recorded);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/privacy/requests/{recorded.Id}", DataSubjectModule.ToResponse(recorded, hasReceipt: false));
    }

    private static Task<IResult> Read(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit) =>
        OnRequestAsync(requestId, AuditActions.RequestsRead, http, db, audit, (request, _) =>
            Task.FromResult<(IResult?, string?)>((null, null)), mustBeOpen: false);

    private static Task<IResult> Start(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit) =>
        OnRequestAsync(requestId, AuditActions.RequestStarted, http, db, audit, (request, _) =>
        {
            request.Status = RequestStatus.InProgress;
            return Task.FromResult<(IResult?, string?)>((null, null));
        });

    private static Task<IResult> Extend(Guid requestId, ReasonRequest body, HttpContext http, VaultDbContext db, AuditLog audit) =>
        OnRequestAsync(requestId, AuditActions.RequestExtended, http, db, audit, (request, _) =>
        {
            if (!DataSubjectModule.TryText(body.Reason, 1000, required: true, out var reason))
            {
                return Task.FromResult<(IResult?, string?)>((Problems.Validation("A reason of at most 1,000 characters is required."), null));
            }
            if (request.ExtensionReason is not null)
            {
                return Task.FromResult<(IResult?, string?)>((Problems.Result(409, ProblemTypes.Conflict,
                    "This request was extended once already: two months is the most the AVG allows."), null));
            }
            request.ExtensionReason = reason;
            request.DueAt = DataSubjectModule.DueAt(request.ReceivedAt, extended: true);
            request.RemindedAt = null; // a new deadline gets its own reminder
            return Task.FromResult<(IResult?, string?)>((null, reason));
        });

    private static Task<IResult> Refuse(Guid requestId, ReasonRequest body, HttpContext http, VaultDbContext db, AuditLog audit,
        TimeProvider clock) =>
        OnRequestAsync(requestId, AuditActions.RequestRefused, http, db, audit, (request, _) =>
        {
            if (!DataSubjectModule.TryText(body.Reason, 1000, required: true, out var reason))
            {
                return Task.FromResult<(IResult?, string?)>((Problems.Validation("A reason of at most 1,000 characters is required."), null));
            }
            Close(request, RequestStatus.Refused, reason!, clock);
            return Task.FromResult<(IResult?, string?)>((null, reason));
        });

    private static Task<IResult> Complete(Guid requestId, ReasonRequest body, HttpContext http, VaultDbContext db, AuditLog audit,
        TimeProvider clock) =>
        OnRequestAsync(requestId, AuditActions.RequestCompleted, http, db, audit, (request, _) =>
        {
            if (request.Kind is RequestKinds.Erasure or RequestKinds.Restriction)
            {
                return Task.FromResult<(IResult?, string?)>((Problems.Validation(
                    $"An {request.Kind} request is completed by carrying it out: /privacy/requests/{{id}}/{(request.Kind == RequestKinds.Erasure ? "erase" : "restrict")}."), null));
            }
            if (!DataSubjectModule.TryText(body.Reason, 1000, required: true, out var outcome))
            {
                return Task.FromResult<(IResult?, string?)>((Problems.Validation("Say what was done, in at most 1,000 characters."), null));
            }
            Close(request, RequestStatus.Done, outcome!, clock);
            return Task.FromResult<(IResult?, string?)>((null, null));
        });

    private static async Task<IResult> Receipt(Guid requestId, HttpContext http, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, AuditActions.ReceiptRead, $"request:{requestId}", ct) is { } refused)
        {
            return refused;
        }
        var erasure = await db.Erasures.AsNoTracking().FirstOrDefaultAsync(e => e.RequestId == requestId && e.Receipt != null, ct);
        return await DataSubjectModule.ServeReceiptAsync(erasure, actor, audit, ct);
    }

    internal static void Close(SubjectRequest request, string status, string outcome, TimeProvider clock)
    {
        request.Status = status;
        request.Outcome = outcome;
        request.CompletedAt = clock.GetUtcNow();
    }

    /// <summary>
    /// The shape of every step on one request: the officer's check, the request (404 if none), open unless reading,
    /// the step's own validation and change, then the audit entry (with the step's reason as purpose) and the save.
    /// </summary>
    internal static async Task<IResult> OnRequestAsync(Guid requestId, string action, HttpContext http, VaultDbContext db, AuditLog audit,
        Func<SubjectRequest, CancellationToken, Task<(IResult? Problem, string? Reason)>> step, bool mustBeOpen = true)
    {
        var ct = http.RequestAborted;
        var actor = Actor.From(http);
        var resource = $"request:{requestId}";
        if (await Privacy.PrivacyModule.RefuseNonOfficerAsync(actor, audit, action, resource, ct) is { } refused)
        {
            return refused;
        }
        var request = await db.SubjectRequests.FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return Problems.NotFound();
        }
        if (mustBeOpen && !RequestStatus.IsOpen(request.Status))
        {
            return Problems.Result(409, ProblemTypes.RequestClosed, $"This request is {request.Status} already.");
        }
        var (problem, reason) = await step(request, ct);
        if (problem is not null)
        {
            return problem;
        }
        await audit.AppendAsync(AuditEvent.For(actor, action, request.FamilyId, $"{resource}/{request.Kind}", reason ?? ""), ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await DataSubjectModule.ToResponseAsync(db, request, ct));
    }
}
