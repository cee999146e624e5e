using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Vault.Contracts.Messaging;

namespace Vault.Server.Messaging;

/// <summary>
/// Open hub connections by device, on this node: revoking a device (or a passphrase change) cuts its live connections
/// at once, on every node (the word goes round the cluster), and the send pipeline audits and delivers to the devices
/// connected here and, through <see cref="Cluster.Presence"/>, elsewhere.
/// </summary>
public sealed class Connections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> byDevice = new();
    private readonly Cluster.IClusterBus bus;

    public Connections(Cluster.IClusterBus bus)
    {
        this.bus = bus;
        bus.Subscribe("abort-device", message =>
        {
            if (Guid.TryParse(message, out var device))
            {
                AbortLocal(device);
            }
        });
    }

    /// <summary>A device's first connection to this node, and its last one gone.</summary>
    public event Action<Guid>? DeviceCameOnline, DeviceWentOffline;

    public void Add(Guid deviceId, HubCallerContext context)
    {
        var connections = byDevice.GetOrAdd(deviceId, _ => new());
        if (connections.TryAdd(context.ConnectionId, context) && connections.Count == 1)
        {
            DeviceCameOnline?.Invoke(deviceId);
        }
    }

    public void Remove(Guid deviceId, string connectionId)
    {
        if (byDevice.TryGetValue(deviceId, out var connections) && connections.TryRemove(connectionId, out _) && connections.IsEmpty)
        {
            DeviceWentOffline?.Invoke(deviceId);
        }
    }

    /// <summary>Ends the device's live connections here and on every other node.</summary>
    public void AbortDevice(Guid deviceId)
    {
        AbortLocal(deviceId);
        bus.Publish("abort-device", deviceId.ToString("N"));
    }

    private void AbortLocal(Guid deviceId)
    {
        if (byDevice.TryRemove(deviceId, out var connections))
        {
            foreach (var context in connections.Values)
            {
                context.Abort();
            }
            DeviceWentOffline?.Invoke(deviceId);
        }
    }

    /// <summary>Connected to this node.</summary>
    public bool IsConnected(Guid deviceId) => byDevice.TryGetValue(deviceId, out var connections) && !connections.IsEmpty;

    /// <summary>The device's connections to this node.</summary>
    public ICollection<string> LocalConnectionIds(Guid deviceId) =>
        byDevice.TryGetValue(deviceId, out var connections) ? connections.Keys : [];

    public IReadOnlyCollection<Guid> Devices() => byDevice.Where(d => !d.Value.IsEmpty).Select(d => d.Key).ToList();

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
