using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>
/// Real-time delivery, with consent re-checked for every message: the readers are computed now (guardians and
/// grants in force at this moment), only their unrevoked devices' groups receive it, and each delivery is audited
/// before it is sent. A withdrawn or lapsed grant or a removed member simply stops being a reader.
/// </summary>
public sealed class Delivery(VaultDbContext db, FamilyAccess access, AuditLog audit, IHubContext<VaultHub, IVaultHubClient> hub)
{
    public async Task DeliverAsync(MessageDelivery message, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(message.ChannelId);
        var readers = await access.ReadersAsync(message.FamilyId, scope, ct);
        if (readers.Count == 0)
        {
            return;
        }
        var purposes = (await access.InForce(message.FamilyId, scope).Select(g => new { g.GranteeUserId, g.Purpose }).ToListAsync(ct))
            .GroupBy(g => g.GranteeUserId).ToDictionary(g => g.Key, g => g.First().Purpose);
        var userIds = readers.Select(r => r.UserId).ToList();
        var devices = await db.Devices.AsNoTracking().Where(d => userIds.Contains(d.UserId) && d.RevokedAt == null)
            .Select(d => d.Id).ToListAsync(ct);
        var resource = $"{scope}/messages/{message.Seq}";
        await audit.AppendManyAsync(readers.Select(r => new AuditEvent(new Actor(r.UserId, null, r.Role, ""),
            AuditActions.MessageDelivered, true, message.FamilyId, resource, purposes.GetValueOrDefault(r.UserId, "family"))).ToList(), ct);
        await hub.Clients.Groups(devices.Select(Connections.DeviceGroup).ToList()).Message(message);
    }
}
