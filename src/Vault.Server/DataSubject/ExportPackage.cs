using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Export;
using Vault.Contracts.Families;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Documents;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.DataSubject;

/// <summary>
/// Streams one family's package (security/export.md) once <see cref="ExportModule.AuthorizeAsync"/> allowed and audited
/// it. Every query names the family; rows are read untracked and one at a time (AsAsyncEnumerable), so memory stays
/// flat however many messages and versions the family has, and all of them in one snapshot (<see cref="ReadSnapshot"/>), so the parts agree with each other: a message sent
/// while the package streams is in no part, rather than in the messages but beyond its channel's count.
/// Records are the ones the ordinary endpoints return.
/// </summary>
internal sealed partial class ExportPackage(Guid familyId, Actor requester, Guid? RequestId) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var db = services.GetRequiredService<VaultDbContext>();
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILogger<ExportPackage>>();
        var ct = http.RequestAborted;
        http.Response.ContentType = ExportParts.ContentType;
        using var writer = new ExportWriter(http.Response.Body);
        try
        {
            hook = services.GetRequiredService<IExportPartHook>();
            var createdAt = clock.GetUtcNow();
            var head = await services.GetRequiredService<AuditTree>().LatestAsync(ct);
            await BeginAsync(writer, ExportParts.Header, ct);
            await writer.WriteAsync(new ExportHeader(ExportParts.FormatVersion, familyId, requester.UserId, createdAt, head, RequestId), ct);
            await using (await ReadSnapshot.BeginAsync(db, ct))
            {
                await WriteFamilyAsync(writer, db, ct);
                await WriteMembersAndGrantsAsync(writer, db, services.GetRequiredService<GrantService>(), ct);
                var channels = await WriteChannelsAsync(writer, db, ct);
                await WriteMessagesAsync(writer, db, channels, ct);
                await WriteDocumentsAsync(writer, db, ct);
                await BeginAsync(writer, ExportParts.Audit, ct);
                await foreach (var entry in db.AuditEntries.AsNoTracking().Where(e => e.FamilyId == familyId && e.Index < head.TreeSize)
                                   .OrderBy(e => e.FamilySeq).AsAsyncEnumerable().WithCancellation(ct))
                {
                    await writer.WriteAsync(AuditTree.ToDto(entry), ct);
                }
                await BeginAsync(writer, ExportParts.Requests, ct);
                await foreach (var request in DataSubjectModule.Project(db, db.SubjectRequests.AsNoTracking().Where(r => r.FamilyId == familyId)
                                   .OrderBy(r => r.ReceivedAt)).AsAsyncEnumerable().WithCancellation(ct))
                {
                    await writer.WriteAsync(request, ct);
                }
            }
            var summary = new ExportSummary(ExportParts.SummaryType, familyId, requester.UserId, createdAt, writer.Finish());
            await writer.WriteSummaryAsync(services.GetRequiredService<Receipts>().Sign(summary), ct);
            if (RequestId is { } answered)
            {
                await AnswerAsync(db, services.GetRequiredService<AuditLog>(), answered, createdAt, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && http.Response.HasStarted)
        {
            // Too late for a problem response: cut the connection, so the client sees a package without its summary.
            LogExportFailed(logger, e, familyId);
            http.Abort();
        }
    }

    private IExportPartHook hook = new NoExportPartHook();

    private async Task BeginAsync(ExportWriter writer, string part, CancellationToken ct)
    {
        await hook.BeforePartAsync(familyId, part, ct);
        writer.Begin(part);
    }

    /// <summary>The request the export answers is done once the whole package, summary included, was served.</summary>
    private async Task AnswerAsync(VaultDbContext db, AuditLog audit, Guid requestId, DateTimeOffset createdAt, CancellationToken ct)
    {
        var request = await db.SubjectRequests.FirstAsync(r => r.Id == requestId, ct);
        if (!Contracts.DataSubject.RequestStatus.IsOpen(request.Status))
        {
            return;
        }
        await audit.AppendAsync(AuditEvent.For(requester, AuditActions.RequestCompleted, familyId, $"request:{requestId}/{request.Kind}",
            "export served"), ct);
        request.Status = Contracts.DataSubject.RequestStatus.Done;
        request.Outcome = $"Answered with the family's export, served whole to its requester on {createdAt:yyyy-MM-dd}.";
        request.CompletedAt = createdAt;
        await db.SaveChangesAsync(ct);
    }

    private async Task WriteFamilyAsync(ExportWriter writer, VaultDbContext db, CancellationToken ct)
    {
        await BeginAsync(writer, ExportParts.Family, ct);
        var f = await db.Families.AsNoTracking().SingleAsync(x => x.Id == familyId, ct);
        await writer.WriteAsync(new ExportFamily(f.Id, f.Reference, f.Gemeente, f.Status, f.TrajectStart, f.PlannedEnd, f.CreatedBy,
            f.CreatedAt, f.LastActivity), ct);
        await BeginAsync(writer, ExportParts.Account, ct);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == requester.UserId, ct);
        var devices = await db.Devices.AsNoTracking().Where(d => d.UserId == requester.UserId).ToListAsync(ct);
        await writer.WriteAsync(new ExportAccount(user.Id, user.UserName ?? "", user.Email, user.Role, user.CreatedAt, user.TotpEnabled,
            user.IdentitySigningKey, user.IdentityBoxKey, devices.OrderBy(d => d.CreatedAt).Select(KeysModule.ToInfo).ToList()), ct);
    }

    private async Task WriteMembersAndGrantsAsync(ExportWriter writer, VaultDbContext db, GrantService grants, CancellationToken ct)
    {
        await BeginAsync(writer, ExportParts.Members, ct);
        await foreach (var x in db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId)
                           .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u.UserName })
                           .OrderBy(x => x.m.JoinedAt).ThenBy(x => x.m.UserId).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(new MemberInfo(x.m.UserId, x.UserName!, x.m.Role, x.m.JoinedAt, x.m.RemovedAt, x.m.DateOfBirth), ct);
        }
        await BeginAsync(writer, ExportParts.Grants, ct);
        // A family's grants are few (members × scopes); their status reads the members, so they cannot stream on one context.
        var all = await db.Grants.AsNoTracking().Include(g => g.Signatures).Where(g => g.FamilyId == familyId)
            .OrderBy(g => g.CreatedAt).ThenBy(g => g.Id).ToListAsync(ct);
        foreach (var grant in all)
        {
            await writer.WriteAsync(await grants.ToResponseAsync(grant, ct), ct);
        }
        await BeginAsync(writer, ExportParts.KeyWraps, ct);
        await foreach (var wrap in db.KeyWraps.AsNoTracking().Where(w => w.FamilyId == familyId && w.RecipientUserId == requester.UserId)
                           .OrderBy(w => w.Scope).ThenBy(w => w.Epoch).ThenBy(w => w.RecipientDeviceId).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(new ExportKeyWrap(wrap.Scope, KeyRingService.ToInfo(wrap)), ct);
        }
    }

    private async Task<List<Guid>> WriteChannelsAsync(ExportWriter writer, VaultDbContext db, CancellationToken ct)
    {
        await BeginAsync(writer, ExportParts.Channels, ct);
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .ToListAsync(ct);
        var rings = await db.KeyRings.AsNoTracking().Where(r => r.FamilyId == familyId).ToDictionaryAsync(r => r.Scope, ct);
        foreach (var channel in channels)
        {
            var ring = rings.GetValueOrDefault(ConsentScopes.Channel(channel.Id));
            await writer.WriteAsync(ChannelEndpoints.ToResponse(channel, ring?.CurrentEpoch ?? 0, ring?.Stale ?? false), ct);
        }
        return channels.Select(c => c.Id).ToList();
    }

    private async Task WriteMessagesAsync(ExportWriter writer, VaultDbContext db, List<Guid> channels, CancellationToken ct)
    {
        await BeginAsync(writer, ExportParts.Messages, ct);
        foreach (var channelId in channels)
        {
            // Everything stored, also messages past the channel's retention that the sweeper has not deleted yet.
            await foreach (var message in db.Messages.AsNoTracking().Where(m => m.ChannelId == channelId && m.FamilyId == familyId)
                               .OrderBy(m => m.Seq).AsAsyncEnumerable().WithCancellation(ct))
            {
                await writer.WriteAsync(SendPipeline.ToDelivery(message), ct);
            }
        }
        await BeginAsync(writer, ExportParts.ReadReceipts, ct);
        foreach (var channelId in channels)
        {
            await foreach (var marker in db.ReadMarkers.AsNoTracking().Where(m => m.ChannelId == channelId).OrderBy(m => m.UserId)
                               .AsAsyncEnumerable().WithCancellation(ct))
            {
                await writer.WriteAsync(new ExportReadReceipt(marker.ChannelId, marker.UserId, marker.UpToSeq, marker.At), ct);
            }
        }
    }

    private async Task WriteDocumentsAsync(ExportWriter writer, VaultDbContext db, CancellationToken ct)
    {
        await BeginAsync(writer, ExportParts.Documents, ct);
        var documents = db.Documents.AsNoTracking().Where(d => d.FamilyId == familyId);
        await foreach (var d in documents.OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(new ExportDocument(d.Id, d.Category, d.CurrentVersion, d.CreatedAt, d.CreatedBy, d.UpdatedAt,
                d.UpdatedBy, d.DeletedAt, d.DeletedBy), ct);
        }
        await BeginAsync(writer, ExportParts.DocumentVersions, ct);
        var versions = db.DocumentVersions.AsNoTracking().Where(v => v.FamilyId == familyId)
            .Join(documents, v => v.DocumentId, d => d.Id, (v, d) => new { v, d })
            .OrderBy(x => x.d.CreatedAt).ThenBy(x => x.d.Id).ThenBy(x => x.v.Version);
        await foreach (var x in versions.AsAsyncEnumerable().WithCancellation(ct))
        {
            await writer.WriteAsync(DocumentVersions.ToResponse(x.d, x.v), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The export of family {FamilyId} failed while streaming; the connection was cut.")]
    private static partial void LogExportFailed(ILogger logger, Exception exception, Guid familyId);
}
