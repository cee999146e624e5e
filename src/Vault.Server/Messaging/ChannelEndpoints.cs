using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Crypto;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;

namespace Vault.Server.Messaging;

/// <summary>Channels of a family: create (with their grants and first key epoch), list, read, retention, archive.</summary>
internal static class ChannelEndpoints
{
    public const int MaxMetaBytes = 4096;

    public static void MapChannels(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/families/{familyId:guid}/channels").WithTags("Messaging").RequireAuthorization();
        channels.MapPost("/", Create).WithSummary("Open a channel with its grants and first key epoch (kennismaking rule applies).");
        channels.MapGet("/", List).WithSummary("Channels the caller may read (guardians: every channel about the family).");
        channels.MapGet("/{channelId:guid}", Get);
        channels.MapPatch("/{channelId:guid}", Update).WithSummary("Set the retention (days; null keeps messages).");
        channels.MapPost("/{channelId:guid}/archive", Archive).WithSummary("Archive: readable, no new messages.");
    }

    private static async Task<IResult> Create(Guid familyId, CreateChannelRequest request, HttpContext http, FamilyAccess access,
        GrantService grants, KeyRingService rings, VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var scope = ConsentScopes.Channel(request.ChannelId);
        var check = await access.CheckMemberAsync(actor, familyId, AuditActions.ChannelCreated, scope, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (request.ChannelId == Guid.Empty || await db.Channels.AnyAsync(c => c.Id == request.ChannelId, ct))
        {
            return Problems.Result(409, ProblemTypes.Conflict, "Choose a new random channel id.");
        }
        if (request.RetentionDays is < 1 || request.RetentionDays > options.Value.Messaging.MaxRetentionDays
            || request.EncryptedMeta is { Length: > MaxMetaBytes } || (request.EncryptedMeta is { } meta && ScopeBox.EpochOf(meta) != 1)
            || request.Grants is not { Count: <= 50 } || request.Grants.Any(g => g is null))
        {
            return Problems.Validation($"Retention is 1 to {options.Value.Messaging.MaxRetentionDays} days; metadata a scope box of epoch 1 up to {MaxMetaBytes} bytes; at most 50 grants.");
        }
        var members = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId && m.RemovedAt == null).ToListAsync(ct);
        if (request.SubjectUserId is { } subject && !members.Any(m => m.UserId == subject && m.Role == Roles.Child))
        {
            return Problems.Validation("A channel's subject must be a child member of this family.");
        }
        var newGrants = new List<Grant>();
        foreach (var submitted in request.Grants)
        {
            var (grant, problem) = await grants.PrepareAsync(familyId, submitted, actor.UserId,
                new NewChannel(request.ChannelId, request.SubjectUserId), ct);
            if (problem is not null)
            {
                return problem.ToResult();
            }
            if (newGrants.Any(g => g.Id == grant!.Id))
            {
                return Problems.Result(409, ProblemTypes.GrantReplayed, "A grant appears twice.");
            }
            newGrants.Add(grant!);
        }
        var inForce = newGrants.Where(g => grants.Status(g) == Contracts.Consent.GrantStatus.Active).ToList();
        var readers = members.Where(m => m.Role == Roles.Guardian || m.UserId == request.SubjectUserId
            || inForce.Any(g => g.GranteeUserId == m.UserId)).ToList();
        var creatorWrites = check.Membership.Role == Roles.Guardian || actor.UserId == request.SubjectUserId
                            || inForce.Any(g => g.GranteeUserId == actor.UserId && g.Permission == Permissions.Write);
        if (!creatorWrites)
        {
            return await access.RefuseAsync(actor, familyId, AuditActions.ChannelCreated, scope,
                new Problem(403, ProblemTypes.NoConsent, "Include a grant that lets you write in the channel you open."), ct);
        }
        if (!await db.Channels.AnyAsync(c => c.FamilyId == familyId, ct) && !readers.Any(m => Roles.IsCaseWorker(m.Role)))
        {
            return Problems.BadRequest(ProblemTypes.KennismakingRule,
                "A family's first channel needs its coordinator or wijkcoach in it: include a signed grant for one.");
        }
        var recipients = await Recipients.LoadAsync(db, readers, ct);
        // A channel about a child starts wrapped for the family's deciders (guardians and the child); its grantees get the
        // key once their grant is complete, which the age rules may leave for later.
        var mustCover = request.SubjectUserId is { } about
            ? readers.Where(m => m.Role == Roles.Guardian || m.UserId == about).Select(m => m.UserId).ToList()
            : null;
        var (wraps, wrapProblem) = await rings.ValidateAsync(familyId, scope, 1, request.Wraps, actor, recipients, true, ct, mustCover);
        if (wrapProblem is not null)
        {
            return wrapProblem.ToResult();
        }

        await audit.AppendManyAsync([AuditEvent.For(actor, AuditActions.ChannelCreated, familyId, scope),
            .. newGrants.Select(g => AuditEvent.For(actor, AuditActions.GrantCreated, familyId, $"grant:{g.Id}/{scope}", g.Purpose))], ct);
        var now = clock.GetUtcNow();
        var channel = new Channel
        {
            Id = request.ChannelId, FamilyId = familyId, EncryptedMeta = request.EncryptedMeta, CreatedBy = actor.UserId,
            CreatedAt = now, RetentionDays = request.RetentionDays, SubjectUserId = request.SubjectUserId,
        };
        db.Channels.Add(channel);
        db.Grants.AddRange(newGrants);
        db.KeyRings.Add(new KeyRing { FamilyId = familyId, Scope = scope, CurrentEpoch = 1, UpdatedAt = now });
        db.KeyWraps.AddRange(wraps!);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Result(409, ProblemTypes.Conflict, "Choose a new random channel id."); // created a moment ago
        }
        return TypedResults.Created($"/families/{familyId}/channels/{channel.Id}", ToResponse(channel, 1, false));
    }

    private static async Task<IResult> List(Guid familyId, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await access.MemberAsync(actor, familyId, AuditActions.ChannelsRead, "channels", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        var rings = await db.KeyRings.AsNoTracking().Where(r => r.FamilyId == familyId).ToDictionaryAsync(r => r.Scope, ct);
        var visible = new List<ChannelResponse>();
        foreach (var channel in channels)
        {
            var scope = ConsentScopes.Channel(channel.Id);
            if (check.Membership.Role == Roles.Guardian || await access.CanAsync(actor.UserId, familyId, scope, Permissions.Read, ct))
            {
                var ring = rings.GetValueOrDefault(scope);
                visible.Add(ToResponse(channel, ring?.CurrentEpoch ?? 0, ring?.Stale ?? false));
            }
        }
        return TypedResults.Ok(visible);
    }

    private static async Task<IResult> Get(Guid familyId, Guid channelId, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.ScopeAsync(Actor.From(http), familyId, scope, Permissions.Read, AuditActions.ChannelsRead, scope, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        var ring = await db.KeyRings.AsNoTracking().FirstOrDefaultAsync(r => r.FamilyId == familyId && r.Scope == scope, ct);
        return channel is null ? Problems.NotFound() : TypedResults.Ok(ToResponse(channel, ring?.CurrentEpoch ?? 0, ring?.Stale ?? false));
    }

    private static async Task<IResult> Update(Guid familyId, Guid channelId, UpdateChannelRequest request, HttpContext http,
        FamilyAccess access, VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.ChannelUpdated, scope, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        if (channel is null)
        {
            return Problems.NotFound();
        }
        if (request.RetentionDays is < 1 || request.RetentionDays > options.Value.Messaging.MaxRetentionDays)
        {
            return Problems.Validation($"Retention is 1 to {options.Value.Messaging.MaxRetentionDays} days, or null.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.ChannelUpdated, familyId, $"{scope}/retention", check.Purpose), ct);
        if (channel.RetentionDays is { } before)
        {
            // What has expired stays gone: a longer retention must not bring back messages not yet swept.
            await RetentionSweeper.ExpireAsync(db, audit, familyId, channelId, before, clock.GetUtcNow(), ct);
        }
        channel.RetentionDays = request.RetentionDays;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Archive(Guid familyId, Guid channelId, HttpContext http, FamilyAccess access,
        VaultDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Write, AuditActions.ChannelUpdated, scope, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        if (channel is null)
        {
            return Problems.NotFound();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.ChannelUpdated, familyId, $"{scope}/archive", check.Purpose), ct);
        channel.ArchivedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    public static ChannelResponse ToResponse(Channel c, int epoch, bool stale) =>
        new(c.Id, c.FamilyId, c.EncryptedMeta, c.CreatedAt, c.ArchivedAt, c.RetentionDays, c.LastSeq, epoch, stale, c.SubjectUserId);
}
