using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vault.Server.Families;

namespace Vault.Server.Keys;

internal sealed class KeyRingModel : IEntityTypeConfiguration<KeyRing>, IEntityTypeConfiguration<KeyWrapRecord>
{
    public void Configure(EntityTypeBuilder<KeyRing> ring)
    {
        ring.HasKey(r => new { r.FamilyId, r.Scope });
        ring.Property(r => r.Scope).HasMaxLength(64);
        ring.Property(r => r.CurrentEpoch).IsConcurrencyToken();
        ring.HasOne<Family>().WithMany().HasForeignKey(r => r.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<KeyWrapRecord> wrap)
    {
        wrap.ToTable("KeyWraps");
        wrap.HasKey(w => new { w.FamilyId, w.Scope, w.Epoch, w.RecipientUserId, w.RecipientDeviceId });
        wrap.HasIndex(w => w.RecipientDeviceId);
        wrap.Property(w => w.Scope).HasMaxLength(64);
        wrap.HasOne<Family>().WithMany().HasForeignKey(w => w.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }
}
