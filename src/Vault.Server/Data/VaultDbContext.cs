using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Vault.Server.Identity;
using Vault.Server.Keys;

namespace Vault.Server.Data;

public sealed class VaultDbContext(DbContextOptions<VaultDbContext> options)
    : IdentityDbContext<VaultUser, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Invitation> Invitations => Set<Invitation>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict<Guid>();

        builder.Entity<VaultUser>(user =>
        {
            user.Property(u => u.Role).HasMaxLength(32);
            user.Property(u => u.TotpSecretProtected).HasMaxLength(512);
        });
        builder.Entity<Device>(device =>
        {
            device.HasKey(d => d.Id);
            device.HasIndex(d => d.UserId);
            device.Property(d => d.Name).HasMaxLength(64);
            device.HasOne<VaultUser>().WithMany().HasForeignKey(d => d.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Invitation>(invitation =>
        {
            invitation.HasKey(i => i.Id);
            invitation.HasIndex(i => i.CodeHash).IsUnique();
            invitation.Property(i => i.Role).HasMaxLength(32);
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset; store UTC ticks so queries on time stay in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}
