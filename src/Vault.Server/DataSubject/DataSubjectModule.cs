using Microsoft.EntityFrameworkCore;
using Vault.Contracts.DataSubject;
using Vault.Contracts.Consent;
using Vault.Server.Audit;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.DataSubject;

/// <summary>
/// Data-subject requests (AVG articles 15–20) with their legal deadline: filed by the family or recorded by the privacy
/// officer, worked through by the officer (start, extend, refuse, complete), and the rights that change data —
/// restriction, rectification, erasure by crypto-shredding with a signed receipt, blocked by a legal hold.
/// </summary>
public static class DataSubjectModule
{
    public static IServiceCollection AddVaultDataSubject(this IServiceCollection services)
    {
        services.AddScoped<FamilyErasure>();
        services.AddSingleton<ErasureRunner>().AddHostedService(sp => sp.GetRequiredService<ErasureRunner>());
        services.AddSingleton<DeadlineReminder>().AddHostedService(sp => sp.GetRequiredService<DeadlineReminder>());
        return services;
    }

    public static IEndpointRouteBuilder MapVaultDataSubject(this IEndpointRouteBuilder app)
    {
        RequestEndpoints.Map(app);
        OfficerEndpoints.Map(app);
        return app;
    }

    /// <summary>AVG article 12(3): one month from receipt; at most two more, with a reason.</summary>
    public static DateTimeOffset DueAt(DateTimeOffset receivedAt, bool extended) => receivedAt.AddMonths(extended ? 3 : 1);

    internal static SubjectRequestResponse ToResponse(SubjectRequest r, bool hasReceipt) =>
        new(r.Id, r.FamilyId, r.Kind, r.Status, r.RequestedBy, r.ReceivedAt, r.DueAt, r.ExtensionReason, r.Outcome, r.CompletedAt,
            r.Details, hasReceipt);

    internal static async Task<SubjectRequestResponse> ToResponseAsync(VaultDbContext db, SubjectRequest r, CancellationToken ct) =>
        ToResponse(r, await db.Erasures.AnyAsync(e => e.RequestId == r.Id && e.Receipt != null, ct));

    internal static IQueryable<SubjectRequestResponse> Project(VaultDbContext db, IQueryable<SubjectRequest> requests) =>
        requests.Select(r => new SubjectRequestResponse(r.Id, r.FamilyId, r.Kind, r.Status, r.RequestedBy, r.ReceivedAt, r.DueAt,
            r.ExtensionReason, r.Outcome, r.CompletedAt, r.Details, db.Erasures.Any(e => e.RequestId == r.Id && e.Receipt != null)));

    /// <summary>An erasure's signed receipt (404 when there is none yet), audited as read before it is served.</summary>
    internal static async Task<IResult> ServeReceiptAsync(Erasure? erasure, Actor actor, AuditLog audit, CancellationToken ct)
    {
        if (erasure?.Receipt is not { } receipt)
        {
            return Problems.NotFound();
        }
        await audit.AppendAsync(AuditEvent.For(actor, AuditActions.ReceiptRead, null, $"erasure:{erasure.Id}"), ct);
        return TypedResults.Ok(new SignedReceipt(receipt, erasure.ReceiptSignature!));
    }

    /// <summary>Free text a person typed: trimmed, within bounds, or a validation problem.</summary>
    internal static bool TryText(string? text, int max, bool required, out string? value)
    {
        value = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        return (value is not null || !required) && (value is null || value.Length <= max) && (value is null || !value.Any(char.IsControl));
    }
}
