using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Vault.Server.Audit;

internal sealed class AuditModel : IEntityTypeConfiguration<AuditEntry>, IEntityTypeConfiguration<AuditNode>,
    IEntityTypeConfiguration<AuditTreeHead>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entry)
    {
        entry.ToTable("AuditEntries");
        entry.HasKey(e => e.Index);
        entry.Property(e => e.Index).ValueGeneratedNever();
        entry.HasIndex(e => new { e.FamilyId, e.FamilySeq });
        entry.HasIndex(e => e.ActorUserId);
        entry.Property(e => e.Action).HasMaxLength(64);
        entry.Property(e => e.ActorRole).HasMaxLength(32);
        entry.Property(e => e.Resource).HasMaxLength(200);
        entry.Property(e => e.Purpose).HasMaxLength(500);
        entry.Property(e => e.RequestId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<AuditNode> node)
    {
        node.ToTable("AuditNodes");
        node.HasKey(n => new { n.Level, n.Index });
    }

    public void Configure(EntityTypeBuilder<AuditTreeHead> head)
    {
        head.ToTable("AuditTreeHeads");
        head.HasKey(h => h.Id);
        head.HasIndex(h => h.TreeSize);
    }
}
