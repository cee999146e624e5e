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
/// grants in force at this moment), only their unrevoked, connected devices receive it, and each device's delivery is
/// audited before it is sent. A withdrawn or lapsed grant or a removed member simply stops being a reader. Devices
/// that are offline get the message from history later (audited there); a failed delivery is logged and left to
/// that catch-up, since the message is stored either way.
/// One node: <see cref="Connections"/> knows every connected device. Several nodes behind a SignalR backplane
/// would need the set of connected devices shared too.
/// </summary>
public sealed partial class Delivery(VaultDbContext db, FamilyAccess access, AuditLog audit, Connections connections,
    IHubContext<VaultHub, IVaultHubClient> hub, ILogger<Delivery> logger)
{
    public async Task DeliverAsync(MessageDelivery message)
    {
        try
        {
            // Not the sender's token: once stored, a message goes out even if its sender hangs up.
            await DeliverCoreAsync(message, CancellationToken.None);
        }
#pragma warning disable CA1031 // the message is stored; readers catch up from history
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogDeliveryFailed(logger, e);
        }
    }

    private async Task DeliverCoreAsync(MessageDelivery message, CancellationToken ct)
    {
        var scope = ConsentScopes.Channel(message.ChannelId);
        var readers = (await access.ReadersAsync(message.FamilyId, scope, ct)).ToDictionary(r => r.UserId);
        if (readers.Count == 0)
        {
            return;
        }
        var userIds = readers.Keys.ToList();
        var devices = (await db.Devices.AsNoTracking().Where(d => userIds.Contains(d.UserId) && d.RevokedAt == null)
            .Select(d => new { d.Id, d.UserId }).ToListAsync(ct)).Where(d => connections.IsConnected(d.Id)).ToList();
        if (devices.Count == 0)
        {
            return;
        }
        var purposes = (await access.InForce(message.FamilyId, scope).Select(g => new { g.GranteeUserId, g.Purpose }).ToListAsync(ct))
            .GroupBy(g => g.GranteeUserId).ToDictionary(g => g.Key, g => g.First().Purpose);
        var resource = $"{scope}/messages/{message.Seq}";
        await audit.AppendManyAsync(devices.Select(d => new AuditEvent(new Actor(d.UserId, d.Id, readers[d.UserId].Role, ""),
            AuditActions.MessageDelivered, true, message.FamilyId, resource,
            purposes.GetValueOrDefault(d.UserId, readers[d.UserId].Role == Roles.Child ? "own" : "family"))).ToList(), ct);
        await hub.Clients.Groups(devices.Select(d => Connections.DeviceGroup(d.Id)).ToList()).Message(message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live delivery of a stored message failed; readers get it from history.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception);
}
