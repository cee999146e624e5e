using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Access;
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
public sealed partial class Delivery(AccessCache cache, AuditLog audit, Connections connections,
    IHubContext<VaultHub, IVaultHubClient> hub, TimeProvider clock, ILogger<Delivery> logger)
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
        var state = await cache.GetAsync(message.FamilyId, ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var readers = new Dictionary<Guid, (string Role, string Purpose)>();
        foreach (var member in state.Members.Values)
        {
            if (state.PurposeOf(member.UserId, scope, Permissions.Read, now) is { } purpose)
            {
                readers[member.UserId] = (member.Role, purpose);
            }
        }
        var devices = state.Devices.Values.Where(d => readers.ContainsKey(d.UserId) && connections.IsConnected(d.Id)).ToList();
        if (devices.Count == 0)
        {
            return;
        }
        var resource = $"{scope}/messages/{message.Seq}";
        await audit.AppendManyAsync(devices.Select(d => new AuditEvent(new Actor(d.UserId, d.Id, readers[d.UserId].Role, ""),
            AuditActions.MessageDelivered, true, message.FamilyId, resource, readers[d.UserId].Purpose)).ToList(), ct);
        await hub.Clients.Groups(devices.Select(d => Connections.DeviceGroup(d.Id)).ToList()).Message(message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live delivery of a stored message failed; readers get it from history.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception);
}
