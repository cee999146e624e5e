using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>Messages over REST: send (as the hub does), history and catch-up by sequence number, read receipts.</summary>
internal static class MessageEndpoints
{
    public static void MapMessages(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/families/{familyId:guid}/channels/{channelId:guid}").WithTags("Messaging").RequireAuthorization();
        messages.MapPost("/messages", Send).WithSummary("Send a signed envelope (idempotent per client message id).");
        messages.MapGet("/messages", History).WithSummary("Messages after a sequence number, oldest first (catch-up and history).");
        messages.MapPost("/receipts", MarkRead).WithSummary("Read up to a sequence number (gelezen); audited, visible to the family.");
        messages.MapGet("/receipts", Receipts).WithSummary("How far each reader has read.");
    }

    private static async Task<IResult> Send(Guid familyId, Guid channelId, SendMessageRequest request, HttpContext http,
        SendPipeline sends, CancellationToken ct)
    {
        var outcome = await sends.SendAsync(Actor.From(http), familyId, channelId, request, ct);
        return outcome.Message is { } message ? TypedResults.Ok(message) : outcome.Refusal!.ToResult();
    }

    private static async Task<IResult> History(Guid familyId, Guid channelId, long? after, int? limit, HttpContext http,
        FamilyAccess access, VaultDbContext db, AuditLog audit, IOptions<VaultOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Read, AuditActions.HistoryRead, $"{scope}/messages", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        var pageSize = options.Value.Messaging.HistoryPageSize;
        if (channel is null || after is < 0 || limit is < 1 || limit > pageSize)
        {
            return channel is null ? Problems.NotFound() : Problems.Validation($"after ≥ 0 and limit 1 to {pageSize}.");
        }
        var from = after ?? 0;
        var query = db.Messages.AsNoTracking().Where(m => m.ChannelId == channelId && m.Seq > from);
        if (channel.RetentionDays is { } days)
        {
            var cutoff = clock.GetUtcNow().AddDays(-days); // enforced at read time; the sweeper deletes later
            query = query.Where(m => m.SentAt > cutoff);
        }
        var page = await query.OrderBy(m => m.Seq).Take(limit ?? pageSize).ToListAsync(ct);
        var range = page.Count == 0 ? $"{from + 1}-" : $"{page[0].Seq}-{page[^1].Seq}";
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.HistoryRead, familyId, $"{scope}/messages/{range}", check.Purpose), ct);
        return TypedResults.Ok(new HistoryResponse(page.Select(SendPipeline.ToDelivery).ToList(), channel.LastSeq));
    }

    private static async Task<IResult> MarkRead(Guid familyId, Guid channelId, ReadReceiptRequest request, HttpContext http,
        FamilyAccess access, VaultDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = Actor.From(http);
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.CheckScopeAsync(actor, familyId, scope, Permissions.Read, AuditActions.MessageRead, $"{scope}/messages", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.FamilyId == familyId, ct);
        if (channel is null)
        {
            return Problems.NotFound();
        }
        if (request.UpToSeq < 1 || request.UpToSeq > channel.LastSeq)
        {
            return Problems.Validation("upToSeq must name a message of this channel.");
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.MessageRead, familyId, $"{scope}/messages/..{request.UpToSeq}", check.Purpose), ct);
        // Receipts only move forward; two devices marking at once: the second finds the first's row and updates it.
        for (var attempt = 0; ; attempt++)
        {
            var marker = await db.ReadMarkers.FirstOrDefaultAsync(m => m.ChannelId == channelId && m.UserId == actor.UserId, ct);
            if (marker is null)
            {
                db.ReadMarkers.Add(new ReadMarker { ChannelId = channelId, UserId = actor.UserId, UpToSeq = request.UpToSeq, At = clock.GetUtcNow() });
            }
            else if (request.UpToSeq > marker.UpToSeq)
            {
                marker.UpToSeq = request.UpToSeq;
                marker.At = clock.GetUtcNow();
            }
            try
            {
                await db.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task<IResult> Receipts(Guid familyId, Guid channelId, HttpContext http, FamilyAccess access,
        VaultDbContext db, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(channelId);
        var check = await access.ScopeAsync(Actor.From(http), familyId, scope, Permissions.Read, AuditActions.ReceiptsRead,
            $"{scope}/receipts", ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (!await db.Channels.AnyAsync(c => c.Id == channelId && c.FamilyId == familyId, ct))
        {
            return Problems.NotFound();
        }
        var markers = await db.ReadMarkers.AsNoTracking().Where(m => m.ChannelId == channelId).ToListAsync(ct);
        return TypedResults.Ok(markers.OrderBy(m => m.At).Select(m => new ReadReceiptInfo(m.UserId, m.UpToSeq, m.At)).ToList());
    }
}
