using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;

namespace Vault.Server.Audit;

/// <summary>
/// The tamper-evident audit log: its public key, signed tree heads, consistency proofs, and pages of entries with
/// inclusion proofs — a family's own (for its guardians) and the whole log (for the privacy officer).
/// </summary>
public static class AuditModule
{
    private const int PageSize = 500;

    public static IServiceCollection AddVaultAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>().AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddSingleton<TileStore>().AddScoped<AuditTree>().AddSingleton<Receipts>();
        services.AddHostedService<TreeHeadSigner>();
        return services;
    }

    public static IEndpointRouteBuilder MapVaultAudit(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/audit").WithTags("Audit").RequireAuthorization();
        audit.MapGet("/key", (ServerSecrets secrets) => TypedResults.Ok(new AuditKeyResponse("ed25519", secrets.AuditSigningKey.PublicKey)))
            .AllowAnonymous().WithSummary("The Ed25519 key that signs tree heads and receipts (pin it).");
        audit.MapGet("/tree-head", (AuditTree tree, CancellationToken ct) => tree.LatestAsync(ct))
            .WithSummary("The newest signed tree head (signed on demand when the log has grown).");
        audit.MapGet("/consistency", Consistency).WithSummary("RFC 9162 consistency proof between two tree sizes.");
        audit.MapGet("/entries", AllEntries).WithSummary("Privacy officer: the whole log, with inclusion proofs.");
        audit.MapPost("/entries/{index:long}/erase-personal-fields", Erase)
            .WithSummary("Privacy officer: erase an entry's personal fields; the tree stays valid.");
        app.MapGet("/families/{familyId:guid}/audit", FamilyEntries).WithTags("Audit").RequireAuthorization()
            .WithSummary("Guardians: every entry about the family, in family order, with inclusion proofs; a child: its own part (partial).");
        return app;
    }

    private static async Task<IResult> Consistency(long from, long to, AuditTree tree, CancellationToken ct)
    {
        var size = await tree.CommittedSizeAsync(ct);
        if (from < 1 || from > to || to > size)
        {
            return Problems.Validation($"Sizes must satisfy 1 ≤ from ≤ to ≤ {size}.");
        }
        return TypedResults.Ok(new ConsistencyProofDto(from, to, tree.Consistency(from, to)));
    }

    private static async Task<IResult> FamilyEntries(Guid familyId, long? afterSeq, int? limit, HttpContext http, FamilyAccess access,
        AuditTree tree, VaultDbContext db, CancellationToken ct)
    {
        var check = await access.MemberAsync(Actor.From(http), familyId, AuditActions.AuditRead, "audit", ct, Roles.Guardian, Roles.Child);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (afterSeq is < 0 || limit is < 1 or > PageSize)
        {
            return Problems.Validation($"afterSeq ≥ 0 and limit 1 to {PageSize}.");
        }
        var head = await tree.LatestAsync(ct);
        var from = afterSeq ?? 0;
        if (check.Membership.Role == Roles.Child)
        {
            var (own, more) = await ChildAuditView.PageAsync(db, familyId, check.Membership.UserId, from, limit ?? PageSize, head.TreeSize, ct);
            return TypedResults.Ok(new AuditPageResponse(head,
                own.Select(e => new AuditEntryWithProof(AuditTree.ToDto(e), tree.Inclusion(e.Index, head.TreeSize))).ToList(), more, Partial: true));
        }
        var query = db.AuditEntries.AsNoTracking().Where(e => e.FamilyId == familyId && e.FamilySeq > from && e.Index < head.TreeSize);
        return TypedResults.Ok(await PageAsync(query.OrderBy(e => e.FamilySeq), limit ?? PageSize, head, tree, ct));
    }

    private static async Task<IResult> AllEntries(long? after, int? limit, HttpContext http, AuditTree tree, AuditLog audit,
        VaultDbContext db, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (actor.Role != Roles.PrivacyOfficer)
        {
            await audit.AppendAsync(AuditEvent.For(actor, AuditActions.AuditRead, null, "audit").Denied(), ct);
            return Problem.Forbidden.ToResult();
        }
        if (after is < -1 || limit is < 1 or > PageSize)
        {
            return Problems.Validation($"after ≥ -1 and limit 1 to {PageSize}.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.AuditRead, null, "audit"), ct);
        var head = await tree.LatestAsync(ct);
        var from = after ?? -1;
        var query = db.AuditEntries.AsNoTracking().Where(e => e.Index > from && e.Index < head.TreeSize);
        return TypedResults.Ok(await PageAsync(query.OrderBy(e => e.Index), limit ?? PageSize, head, tree, ct));
    }

    private static async Task<AuditPageResponse> PageAsync(IQueryable<AuditEntry> ordered, int limit, SignedTreeHeadDto head,
        AuditTree tree, CancellationToken ct)
    {
        var entries = await ordered.Take(limit + 1).ToListAsync(ct);
        var page = entries.Take(limit).Select(e => new AuditEntryWithProof(AuditTree.ToDto(e), tree.Inclusion(e.Index, head.TreeSize)))
            .ToList();
        return new AuditPageResponse(head, page, entries.Count > limit);
    }

    private static async Task<IResult> Erase(long index, HttpContext http, AuditLog audit, VaultDbContext db, CancellationToken ct)
    {
        var actor = Actor.From(http);
        if (actor.Role != Roles.PrivacyOfficer)
        {
            await audit.AppendAsync(AuditEvent.For(actor, AuditActions.AuditFieldsErased, null, $"audit/{index}").Denied(), ct);
            return Problem.Forbidden.ToResult();
        }
        if (!await db.AuditEntries.AnyAsync(e => e.Index == index, ct))
        {
            return Problems.NotFound();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.AuditFieldsErased, null, $"audit/{index}"), ct);
        await AuditErasure.EraseAsync(db.AuditEntries.Where(e => e.Index == index), keepFamilyLink: true, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>
/// Erasure of personal fields: the salt and the fields go, the commitment stays, so every leaf hash and proof
/// remains valid while nothing personal can be read back or confirmed by guessing. Erasing single entries keeps
/// the family link (the family's own trail stays gap-free); erasing a whole family drops it too.
/// </summary>
public static class AuditErasure
{
    public static Task<int> EraseAsync(IQueryable<AuditEntry> entries, bool keepFamilyLink, CancellationToken ct) =>
        entries.ExecuteUpdateAsync(set => set
            .SetProperty(e => e.Salt, (byte[]?)null).SetProperty(e => e.ActorUserId, (Guid?)null)
            .SetProperty(e => e.ActorDeviceId, (Guid?)null).SetProperty(e => e.ActorRole, (string?)null)
            .SetProperty(e => e.FamilyId, e => keepFamilyLink ? e.FamilyId : null).SetProperty(e => e.Resource, (string?)null)
            .SetProperty(e => e.Purpose, (string?)null).SetProperty(e => e.RequestId, (string?)null), ct);
}

/// <summary>Signs a tree head every few seconds while entries arrive, so no entry waits long for a signed head.</summary>
internal sealed class TreeHeadSigner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<TreeHeadSigner> logger)
    : PeriodicWork(clock, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AuditTree>().LatestAsync(ct);
    }
}
