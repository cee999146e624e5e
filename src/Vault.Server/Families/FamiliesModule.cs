using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Families;

/// <summary>Families and their traject: open (case workers), list one's own, read, and the progress scope.</summary>
public static class FamiliesModule
{
    public static IEndpointRouteBuilder MapVaultFamilies(this IEndpointRouteBuilder app)
    {
        var families = app.MapGroup("/families").WithTags("Families").RequireAuthorization();
        families.MapPost("/", Create).WithSummary("Open a family and its traject (coordinator or wijkcoach).");
        families.MapGet("/", ListMine).WithSummary("The families the caller is a member of.");
        families.MapGet("/{familyId:guid}", Get);
        families.MapPut("/{familyId:guid}/traject", UpdateTraject).WithSummary("Move the traject on (the family's case workers).");
        families.MapGet("/{familyId:guid}/progress", Progress).WithSummary("Traject state and counts, never content (progress scope).");
        app.MapFamilyMembers();
        return app;
    }

    private static async Task<IResult> Create(CreateFamilyRequest request, HttpContext http, VaultDbContext db, AuditLog audit,
        TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (!Roles.IsCaseWorker(actor.Role))
        {
            await audit.AppendAsync(AuditEvent.For(actor, AuditActions.FamilyCreated, null, "family").Denied(), ct);
            return Problem.Forbidden.ToResult();
        }
        if (string.IsNullOrWhiteSpace(request.Reference) || request.Reference.Trim().Length > 64
            || request.Gemeente is not { Length: 6 } || !request.Gemeente.StartsWith("GM", StringComparison.Ordinal)
            || !request.Gemeente[2..].All(char.IsAsciiDigit))
        {
            return Problems.Validation("A reference of 1 to 64 characters (not a name) and a CBS gemeente code like GM0363 are required.");
        }
        if (request.PlannedEnd is { } end && end < request.TrajectStart)
        {
            return Problems.Validation("The planned end lies before the start.");
        }
        var now = clock.GetUtcNow();
        var family = new Family
        {
            Id = Guid.CreateVersion7(), Reference = request.Reference.Trim(), Gemeente = request.Gemeente, Status = "intake",
            TrajectStart = request.TrajectStart, PlannedEnd = request.PlannedEnd, CreatedBy = actor.UserId, CreatedAt = now,
        };
        // Audited first (fail closed), so no family exists without its first entry. Its family sequence starts here.
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.FamilyCreated, family.Id, "family"), ct);
        db.Families.Add(family);
        db.Memberships.Add(new Membership { FamilyId = family.Id, UserId = actor.UserId, Role = actor.Role, JoinedAt = now });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/families/{family.Id}", new FamilySummary(family.Id, family.Reference, actor.Role, now));
    }

    private static async Task<IResult> ListMine(HttpContext http, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var userId = actor.UserId;
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.FamiliesListed, null, "families"), ct);
        var list = await db.Memberships.AsNoTracking().Where(m => m.UserId == userId && m.RemovedAt == null)
            .Join(db.Families, m => m.FamilyId, f => f.Id, (m, f) => new FamilySummary(f.Id, f.Reference, m.Role, f.CreatedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(list.OrderBy(f => f.CreatedAt).ToList());
    }

    private static async Task<IResult> Get(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db, CancellationToken ct)
    {
        var check = await access.MemberAsync(Actor.From(http), familyId, AuditActions.FamilyRead, "family", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var family = await db.Families.AsNoTracking().FirstAsync(f => f.Id == familyId, ct);
        return TypedResults.Ok(new FamilySummary(family.Id, family.Reference, check.Membership.Role, family.CreatedAt));
    }

    private static async Task<IResult> UpdateTraject(Guid familyId, UpdateTrajectRequest request, HttpContext http,
        FamilyAccess access, VaultDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.TrajectUpdated, ConsentScopes.Progress, ct,
            Roles.Coordinator, Roles.Wijkcoach);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var family = await db.Families.FirstAsync(f => f.Id == familyId, ct);
        if (!TrajectStatus.IsKnown(request.Status) || (request.PlannedEnd is { } end && end < family.TrajectStart))
        {
            return Problems.Validation("Status must be one of: " + string.Join(", ", TrajectStatus.All) + "; the end after the start.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.TrajectUpdated, familyId, ConsentScopes.Progress), ct);
        family.Status = request.Status;
        family.PlannedEnd = request.PlannedEnd;
        // The retention clocks run from the day the traject ended; reopening it stops them.
        family.EndedOn = request.Status is "completed" or "stopped"
            ? family.EndedOn ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)
            : null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Progress(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var check = await access.ScopeAsync(Actor.From(http), familyId, ConsentScopes.Progress, Permissions.Read,
            AuditActions.ProgressRead, ConsentScopes.Progress, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var family = await db.Families.AsNoTracking().FirstAsync(f => f.Id == familyId, ct);
        var members = await db.Memberships.CountAsync(m => m.FamilyId == familyId && m.RemovedAt == null, ct);
        var channels = await db.Channels.CountAsync(c => c.FamilyId == familyId, ct);
        var messages = await db.Channels.Where(c => c.FamilyId == familyId).SumAsync(c => c.LastSeq, ct);
        return TypedResults.Ok(new ProgressResponse(family.Id, family.Gemeente, family.Status, family.TrajectStart,
            family.PlannedEnd, members, channels, messages, family.LastActivity));
    }
}
