using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Vault.Server.DataSubject;

/// <summary>
/// A data-subject request about a family, with its legal deadline. Kept after an erasure (the organisation must be able to
/// show it answered), but then without the requester's free text.
/// </summary>
public sealed class SubjectRequest
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public Guid RequestedBy { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public string? ExtensionReason { get; set; }
    public string? Outcome { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? Details { get; set; }

    /// <summary>When the deadline reminder went out (once per request).</summary>
    public DateTimeOffset? RemindedAt { get; set; }

    /// <summary>A request received now: due one month from now (AVG article 12(3)).</summary>
    public static SubjectRequest Received(Guid familyId, string kind, Guid requestedBy, DateTimeOffset now, string? details) => new()
    {
        Id = Guid.CreateVersion7(), FamilyId = familyId, Kind = kind, Status = Contracts.DataSubject.RequestStatus.Received,
        RequestedBy = requestedBy, ReceivedAt = now, DueAt = DataSubjectModule.DueAt(now, extended: false), Details = details,
    };
}

/// <summary>
/// One erasure of a family, by request or by the retention clock: a row per run so that a crash resumes it at its phase.
/// The inventory (what will be destroyed, counted and hashed before anything goes) is what the receipt states.
/// </summary>
public sealed class Erasure
{
    public Guid Id { get; set; }
    public Guid FamilyId { get; set; }
    public Guid? RequestId { get; set; }
    public required string Reason { get; set; }
    public int Phase { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public string? Inventory { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public byte[]? Receipt { get; set; }
    public byte[]? ReceiptSignature { get; set; }
}

internal sealed class SubjectRequestModel : IEntityTypeConfiguration<SubjectRequest>, IEntityTypeConfiguration<Erasure>
{
    public void Configure(EntityTypeBuilder<SubjectRequest> request)
    {
        request.ToTable("SubjectRequests");
        request.HasKey(r => r.Id);
        request.HasIndex(r => r.FamilyId);
        request.HasIndex(r => new { r.Status, r.DueAt });
        request.Property(r => r.Kind).HasMaxLength(16);
        request.Property(r => r.Status).HasMaxLength(16);
        request.Property(r => r.ExtensionReason).HasMaxLength(1000);
        request.Property(r => r.Outcome).HasMaxLength(1000);
        request.Property(r => r.Details).HasMaxLength(2000);
    }

    public void Configure(EntityTypeBuilder<Erasure> erasure)
    {
        erasure.ToTable("Erasures");
        erasure.HasKey(e => e.Id);
        erasure.HasIndex(e => e.FamilyId);
        erasure.HasIndex(e => e.RequestId);
        erasure.Property(e => e.Reason).HasMaxLength(32);
    }
}
