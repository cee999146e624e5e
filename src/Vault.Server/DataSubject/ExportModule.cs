using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Data;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// The data-subject export (AVG articles 15 and 20): a family's guardian downloads everything the server holds about
/// the family, as a signed NDJSON package (security/export.md) their own device turns into a readable archive.
/// </summary>
public static class ExportModule
{
    public static IServiceCollection AddVaultExport(this IServiceCollection services)
    {
        services.TryAddSingleton<IExportPartHook, NoExportPartHook>();
        return services;
    }

    public static IEndpointRouteBuilder MapVaultExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/families/{familyId:guid}/export", Export).WithTags("Data subject").RequireAuthorization()
            .WithSummary("Guardians: the family's complete data as signed NDJSON (streamed; counts and hashes per part in the last line); " +
                "?request=ID answers an open access or portability request, which is done once the package is served whole.");
        return app;
    }

    private static async Task<IResult> Export(Guid familyId, Guid? request, HttpContext http, FamilyAccess access, VaultDbContext db,
        CancellationToken ct)
    {
        var actor = Actor.From(http);
        var check = await AuthorizeAsync(access, actor, familyId, request, ct);
        if (check.Denied is { } denied)
        {
            return denied.ToResult();
        }
        if (request is { } requestId)
        {
            // The access or portability request this export answers: the family's own, and still open.
            var answered = await db.SubjectRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId && r.FamilyId == familyId, ct);
            if (answered is null)
            {
                return Problems.NotFound();
            }
            if (answered.Kind is not (RequestKinds.Access or RequestKinds.Portability))
            {
                return Problems.Validation("An export answers an access or portability request.");
            }
            if (!RequestStatus.IsOpen(answered.Status))
            {
                return Problems.Result(409, ProblemTypes.RequestClosed, $"This request is {answered.Status} already.");
            }
        }
        return new ExportPackage(familyId, actor, request);
    }

    /// <summary>
    /// The one place that decides and audits an export, before a byte of it is served: guardians of the family only
    /// (a non-member gets 404, another member 403); the allowed export is appended to the family's audit log first.
    /// A data-subject request the export answers (<paramref name="requestId"/>) is named in the audited resource.
    /// </summary>
    internal static Task<Consent.Access> AuthorizeAsync(FamilyAccess access, Actor actor, Guid familyId, Guid? requestId,
        CancellationToken ct) =>
        access.MemberAsync(actor, familyId, AuditActions.DsrExported, requestId is { } id ? $"export/request/{id}" : "export", ct,
            Roles.Guardian);
}

/// <summary>
/// A test seam between the parts of an export (a part is about to be written): tests commit a change there to prove
/// the package reads one snapshot. Production registers the no-op.
/// </summary>
public interface IExportPartHook
{
    Task BeforePartAsync(Guid familyId, string part, CancellationToken ct);
}

internal sealed class NoExportPartHook : IExportPartHook
{
    public Task BeforePartAsync(Guid familyId, string part, CancellationToken ct) => Task.CompletedTask;
}
