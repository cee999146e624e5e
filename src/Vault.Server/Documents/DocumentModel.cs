using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vault.Server.Families;

namespace Vault.Server.Documents;

internal sealed class DocumentModel : IEntityTypeConfiguration<Document>, IEntityTypeConfiguration<DocumentVersion>,
    IEntityTypeConfiguration<DocumentUpload>, IEntityTypeConfiguration<UploadSegment>
{
    public void Configure(EntityTypeBuilder<Document> document)
    {
        document.HasKey(d => d.Id);
        document.HasIndex(d => d.FamilyId);
        document.Property(d => d.Category).HasMaxLength(32);
        document.Property(d => d.CurrentVersion).IsConcurrencyToken();
        document.HasOne<Family>().WithMany().HasForeignKey(d => d.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<DocumentVersion> version)
    {
        version.HasKey(v => new { v.DocumentId, v.Version });
        version.HasIndex(v => v.FamilyId);
        version.HasOne<Document>().WithMany().HasForeignKey(v => v.DocumentId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<DocumentUpload> upload)
    {
        upload.HasKey(u => u.Id);
        upload.HasIndex(u => u.FamilyId);
        upload.HasIndex(u => u.ExpiresAt);
        upload.Property(u => u.Category).HasMaxLength(32);
        upload.Property(u => u.Offset).IsConcurrencyToken();
        upload.HasOne<Family>().WithMany().HasForeignKey(u => u.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<UploadSegment> segment)
    {
        segment.HasKey(s => s.Id);
        segment.HasIndex(s => new { s.UploadId, s.Offset });
        segment.Ignore(s => s.Key);
        segment.HasOne<DocumentUpload>().WithMany().HasForeignKey(s => s.UploadId).OnDelete(DeleteBehavior.Cascade);
    }
}
