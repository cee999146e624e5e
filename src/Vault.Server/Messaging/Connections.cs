using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Vault.Contracts.Messaging;

namespace Vault.Server.Messaging;

/// <summary>
/// Open hub connections by device: revoking a device (or a passphrase change) cuts its live connections at once, and
/// the send pipeline delivers to (and audits) only the devices connected here, after re-checking grants and devices itself.
/// </summary>
public sealed class Connections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> byDevice = new();

    public void Add(Guid deviceId, HubCallerContext context) =>
        byDevice.GetOrAdd(deviceId, _ => new()).TryAdd(context.ConnectionId, context);

    public void Remove(Guid deviceId, string connectionId)
    {
        if (byDevice.TryGetValue(deviceId, out var connections))
        {
            connections.TryRemove(connectionId, out _);
        }
    }

    public void AbortDevice(Guid deviceId)
    {
        if (byDevice.TryRemove(deviceId, out var connections))
        {
            foreach (var context in connections.Values)
            {
                context.Abort();
            }
        }
    }

    public bool IsConnected(Guid deviceId) => byDevice.TryGetValue(deviceId, out var connections) && !connections.IsEmpty;

    public int Count => byDevice.Values.Sum(c => c.Count);

    public static string DeviceGroup(Guid deviceId) => "device:" + deviceId.ToString("N");
}

/// <summary>Tells a user's open connections that their access to a scope changed (withdrawn, removed, rotate).</summary>
public sealed class AccessNotifier(IHubContext<VaultHub, IVaultHubClient> hub, Data.VaultDbContext db)
{
    public async Task NotifyUserAsync(Guid userId, AccessChange change, CancellationToken ct)
    {
        var devices = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.Devices.Where(d => d.UserId == userId && d.RevokedAt == null).Select(d => d.Id), ct);
        if (devices.Count > 0)
        {
            await hub.Clients.Groups(devices.Select(Connections.DeviceGroup).ToList()).AccessChanged(change);
        }
    }
}
