using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Families;
using Vault.Server.Identity;
using Vault.Server.Keys;
using Vault.Server.Messaging;

namespace Vault.Server.Data;

/// <summary>
/// The model, shared by both engines. Code depends on this type; what differs per engine (time storage, migrations)
/// lives in <see cref="SqliteVaultDbContext"/> and <see cref="PostgresVaultDbContext"/>, one of which DataModule
/// registers as this type.
/// A schema change needs a migration for each engine (run from the repository root, after `dotnet tool restore`):
///   dotnet ef migrations add NAME -p src/Vault.Server -c SqliteVaultDbContext -o Data/Migrations/Sqlite
///   dotnet ef migrations add NAME -p src/Vault.Server -c PostgresVaultDbContext -o Data/Migrations/Postgres
/// and `./test.sh` runs the server tests on both.
/// </summary>
public abstract class VaultDbContext : IdentityDbContext<VaultUser, IdentityRole<Guid>, Guid>
{
    protected VaultDbContext(DbContextOptions<VaultDbContext> options) : base(options)
    {
    }

    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Family> Families => Set<Family>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Grant> Grants => Set<Grant>();
    public DbSet<GrantSigning> GrantSignatures => Set<GrantSigning>();
    public DbSet<KeyRing> KeyRings => Set<KeyRing>();
    public DbSet<KeyWrapRecord> KeyWraps => Set<KeyWrapRecord>();
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<ReadMarker> ReadMarkers => Set<ReadMarker>();
    public DbSet<Documents.Document> Documents => Set<Documents.Document>();
    public DbSet<Documents.DocumentVersion> DocumentVersions => Set<Documents.DocumentVersion>();
    public DbSet<Documents.DocumentUpload> DocumentUploads => Set<Documents.DocumentUpload>();
    public DbSet<Documents.UploadSegment> UploadSegments => Set<Documents.UploadSegment>();
    public DbSet<DataSubject.SubjectRequest> SubjectRequests => Set<DataSubject.SubjectRequest>();
    public DbSet<DataSubject.Erasure> Erasures => Set<DataSubject.Erasure>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<AuditTile> AuditTiles => Set<AuditTile>();
    public DbSet<AuditTreeHead> AuditTreeHeads => Set<AuditTreeHead>();

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
            invitation.HasIndex(i => i.FamilyId);
        });
        // Each feature owns its part of the model (Families/FamilyModel.cs, Consent/GrantModel.cs, ...).
        builder.ApplyConfigurationsFromAssembly(typeof(VaultDbContext).Assembly);
    }
}
