using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vault.Server.Families;

namespace Vault.Server.Consent;

internal sealed class GrantModel : IEntityTypeConfiguration<Grant>, IEntityTypeConfiguration<GrantSigning>
{
    public void Configure(EntityTypeBuilder<Grant> grant)
    {
        grant.HasKey(g => g.Id);
        grant.HasIndex(g => new { g.FamilyId, g.GranteeUserId, g.Scope });
        grant.HasIndex(g => new { g.FamilyId, g.Scope });
        grant.Property(g => g.Scope).HasMaxLength(64);
        grant.Property(g => g.Permission).HasMaxLength(8);
        grant.Property(g => g.Purpose).HasMaxLength(500);
        grant.Property(g => g.LegalBasis).HasMaxLength(32);
        grant.Property(g => g.WithdrawalReason).HasMaxLength(500);
        grant.HasOne<Family>().WithMany().HasForeignKey(g => g.FamilyId).OnDelete(DeleteBehavior.Cascade);
        grant.HasMany(g => g.Signatures).WithOne().HasForeignKey(s => s.GrantId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<GrantSigning> signing) =>
        signing.HasKey(s => new { s.GrantId, s.SignerUserId });
}
