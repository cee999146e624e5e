using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vault.Server.Families;

namespace Vault.Server.Messaging;

internal sealed class MessagingModel : IEntityTypeConfiguration<Channel>, IEntityTypeConfiguration<Message>,
    IEntityTypeConfiguration<ReadMarker>
{
    public void Configure(EntityTypeBuilder<Channel> channel)
    {
        channel.HasKey(c => c.Id);
        channel.HasIndex(c => c.FamilyId);
        channel.Property(c => c.LastSeq).IsConcurrencyToken();
        channel.HasOne<Family>().WithMany().HasForeignKey(c => c.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<Message> message)
    {
        message.HasKey(m => new { m.ChannelId, m.Seq });
        message.HasIndex(m => new { m.ChannelId, m.ClientMessageId }).IsUnique();
        message.HasIndex(m => new { m.ChannelId, m.SentAt });
        message.Property(m => m.Kind).HasMaxLength(16);
        message.HasOne<Channel>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<ReadMarker> marker)
    {
        marker.HasKey(m => new { m.ChannelId, m.UserId });
        marker.HasOne<Channel>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}
