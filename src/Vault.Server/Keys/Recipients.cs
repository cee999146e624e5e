using Microsoft.EntityFrameworkCore;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;
using Vault.Server.Data;
using Vault.Server.Families;

namespace Vault.Server.Keys;

/// <summary>Members with the public keys a client wraps key rings for: identity keys and active devices.</summary>
public static class Recipients
{
    public static async Task<List<RecipientInfo>> LoadAsync(VaultDbContext db, IReadOnlyCollection<Membership> members,
        CancellationToken ct)
    {
        var ids = members.Select(m => m.UserId).ToList();
        var users = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, u.UserName, u.IdentitySigningKey, u.IdentityBoxKey }).ToListAsync(ct);
        var devices = (await db.Devices.AsNoTracking().Where(d => ids.Contains(d.UserId) && d.RevokedAt == null).ToListAsync(ct))
            .ToLookup(d => d.UserId);
        return members.Join(users, m => m.UserId, u => u.Id, (m, u) => new RecipientInfo(u.Id, u.UserName!, m.Role,
                u.IdentitySigningKey, u.IdentityBoxKey,
                devices[u.Id].OrderBy(d => d.CreatedAt).Select(KeysModule.ToInfo).ToList()))
            .OrderBy(r => r.UserId).ToList();
    }

    /// <summary>Every (user, device) pair that must hold a wrap: each device, and the identity key as device Guid.Empty.</summary>
    public static HashSet<(Guid User, Guid Device)> RequiredWraps(IEnumerable<RecipientInfo> recipients) =>
        recipients.SelectMany(r => r.Devices.Select(d => (r.UserId, d.Id)).Append((r.UserId, Guid.Empty))).ToHashSet();
}
