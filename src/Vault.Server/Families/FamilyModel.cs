using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Vault.Server.Families;

internal sealed class FamilyModel : IEntityTypeConfiguration<Family>, IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Family> family)
    {
        family.HasKey(f => f.Id);
        family.Property(f => f.Reference).HasMaxLength(64);
        family.Property(f => f.Gemeente).HasMaxLength(16);
        family.Property(f => f.Status).HasMaxLength(16);
        family.Property(f => f.LegalHoldGround).HasMaxLength(500);
    }

    public void Configure(EntityTypeBuilder<Membership> membership)
    {
        membership.HasKey(m => new { m.FamilyId, m.UserId });
        membership.HasIndex(m => m.UserId);
        membership.Property(m => m.Role).HasMaxLength(32);
        membership.HasOne<Family>().WithMany().HasForeignKey(m => m.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }
}
