using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Vault.Server.Audit;

internal sealed class AuditModel : IEntityTypeConfiguration<AuditEntry>, IEntityTypeConfiguration<AuditTile>,
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

    public void Configure(EntityTypeBuilder<AuditTile> tile)
    {
        tile.ToTable("AuditTiles");
        tile.HasKey(t => new { t.Level, t.Index });
    }

    public void Configure(EntityTypeBuilder<AuditTreeHead> head)
    {
        head.ToTable("AuditTreeHeads");
        head.HasKey(h => h.Id);
        head.HasIndex(h => h.TreeSize);
    }
}
