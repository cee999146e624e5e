using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Messaging;
using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.Consent;

/// <summary>Consent grants: submit (signed by the family), co-sign, list, withdraw with a signed receipt.</summary>
public static class ConsentModule
{
    private const int ReceiptItems = 1000;

    public static IServiceCollection AddVaultConsent(this IServiceCollection services) =>
        services.AddScoped<FamilyAccess>().AddScoped<GrantService>()
            .AddSingleton<GrantLapseSweeper>().AddHostedService(sp => sp.GetRequiredService<GrantLapseSweeper>());

    public static IEndpointRouteBuilder MapVaultConsent(this IEndpointRouteBuilder app)
    {
        var grants = app.MapGroup("/families/{familyId:guid}/grants").WithTags("Consent").RequireAuthorization();
        grants.MapPost("/", Submit).WithSummary("Submit a grant signed by the family (a guardian; a child by the age rules).");
        grants.MapGet("/", List).WithSummary("Guardians: every grant, past and present. Others: their own.");
        grants.MapPost("/{grantId:guid}/signatures", CoSign).WithSummary("Add a required co-signature (a child of 12 to 15).");
        grants.MapPost("/{grantId:guid}/withdraw", Withdraw)
            .WithSummary("Withdraw at once; answers with a signed receipt of what the grantee had accessed.")
            .AllowWhileRestricted(); // consent can always be withdrawn (AVG article 7(3))
        return app;
    }

    private static async Task<IResult> Submit(Guid familyId, SubmitGrantRequest request, HttpContext http, FamilyAccess access,
        GrantService grants, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.GrantCreated, "grants", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var (grant, problem) = await grants.PrepareAsync(familyId, request, actor.UserId, newChannel: null, ct);
        if (problem is not null)
        {
            return problem.ToResult();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.GrantCreated, familyId, $"grant:{grant!.Id}/{grant.Scope}", grant.Purpose), ct);
        db.Grants.Add(grant);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Result(409, ProblemTypes.GrantReplayed, "This grant was submitted a moment ago; sign a new one.");
        }
        return TypedResults.Created($"/families/{familyId}/grants/{grant.Id}", await grants.ToResponseAsync(grant, ct));
    }

    private static async Task<IResult> CoSign(Guid familyId, Guid grantId, GrantSignature signature, HttpContext http,
        FamilyAccess access, GrantService grants, VaultDbContext db, AuditLog audit, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.GrantSigned, $"grant:{grantId}", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var grant = await db.Grants.Include(g => g.Signatures).FirstOrDefaultAsync(g => g.Id == grantId && g.FamilyId == familyId, ct);
        if (grant is null)
        {
            return Problems.NotFound();
        }
        if (signature.SignerUserId != actor.UserId)
        {
            return Problem.Validation("Sign with your own device.").ToResult();
        }
        if (await grants.AddSignatureAsync(grant, signature, ct) is { } problem)
        {
            return problem.ToResult();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.GrantSigned, familyId, $"grant:{grant.Id}/{grant.Scope}", grant.Purpose), ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await grants.ToResponseAsync(grant, ct));
    }

    private static async Task<IResult> List(Guid familyId, HttpContext http, FamilyAccess access, GrantService grants,
        VaultDbContext db, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.MemberAsync(actor, familyId, AuditActions.GrantsRead, "grants", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var query = db.Grants.AsNoTracking().Include(g => g.Signatures).Where(g => g.FamilyId == familyId);
        if (check.Membership.Role != Roles.Guardian)
        {
            query = query.Where(g => g.GranteeUserId == actor.UserId || g.SubjectUserId == actor.UserId);
        }
        var list = await query.OrderBy(g => g.CreatedAt).ToListAsync(ct);
        var responses = new List<GrantResponse>(list.Count);
        foreach (var grant in list)
        {
            responses.Add(await grants.ToResponseAsync(grant, ct));
        }
        return TypedResults.Ok(responses);
    }

    private static async Task<IResult> Withdraw(Guid familyId, Guid grantId, WithdrawGrantRequest? request, HttpContext http,
        FamilyAccess access, GrantService grants, VaultDbContext db, AuditLog audit, AuditTree tree, Receipts receipts,
        AccessNotifier notifier, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.GrantWithdrawn, $"grant:{grantId}", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var grant = await db.Grants.Include(g => g.Signatures).FirstOrDefaultAsync(g => g.Id == grantId && g.FamilyId == familyId, ct);
        if (grant is null)
        {
            return Problems.NotFound();
        }
        // The family withdraws; a co-signing child may withdraw what concerns them; a grantee may renounce.
        var members = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId && m.RemovedAt == null).ToListAsync(ct);
        var mayWithdraw = check.Membership.Role == Roles.Guardian || actor.UserId == grant.GranteeUserId
                          || (grant.SubjectUserId == actor.UserId && grants.Rules(grant, members).Eligible.Contains(actor.UserId));
        if (!mayWithdraw)
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.GrantWithdrawn, $"grant:{grant.Id}/{grant.Scope}", Problem.Forbidden, ct);
        }
        if (grant.WithdrawnAt is not null)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "The grant was already withdrawn.");
        }
        if (request?.Reason is { Length: > 500 })
        {
            return Problems.Validation("A reason is at most 500 characters.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.GrantWithdrawn, familyId, $"grant:{grant.Id}/{grant.Scope}", grant.Purpose), ct);
        var withdrawnAt = clock.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            grant.Withdraw(withdrawnAt, actor.UserId, request?.Reason);
            await db.SaveChangesAsync(ct);
            await KeyRingStaleness.ScopeAsync(db, familyId, grant.Scope, ct); // one step: no write under the old epoch
            await transaction.CommitAsync(ct);
        }
        await notifier.NotifyUserAsync(grant.GranteeUserId, new AccessChange(familyId, grant.Scope, AccessChanges.Withdrawn), ct);

        var accessed = db.AuditEntries.AsNoTracking().Where(e => e.FamilyId == familyId && e.ActorUserId == grant.GranteeUserId
            && e.Allowed && (e.Resource == grant.Scope || e.Resource!.StartsWith(grant.Scope + "/")));
        var count = await accessed.LongCountAsync(ct);
        var items = await accessed.OrderByDescending(e => e.Index).Take(ReceiptItems)
            .Select(e => new { e.Index, e.TimeUnixMs, e.Action, e.Resource }).ToListAsync(ct);
        var head = await tree.LatestAsync(ct);
        var receipt = new WithdrawalReceipt("withdrawal", grant.Id, familyId, grant.GranteeUserId, grant.Scope,
            withdrawnAt, actor.UserId, count,
            items.OrderBy(i => i.Index).Select(i => new AccessedItem(i.Index, DateTimeOffset.FromUnixTimeMilliseconds(i.TimeUnixMs),
                i.Action, i.Resource!)).ToList(), head.TreeSize, head.RootHash);
        return TypedResults.Ok(receipts.Sign(receipt));
    }
}
