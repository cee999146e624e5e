using System.Collections.Concurrent;
using Vault.Server.Infrastructure;

namespace Vault.Server.Cluster;

/// <summary>
/// Which devices are connected to the other nodes, so the send path audits (and the backplane delivers) to a device
/// wherever its socket is. Each node announces its devices as they come and go and, every <see cref="Beat"/>, the
/// whole list; a node not heard of for three beats is taken to be gone with all its devices.
/// </summary>
public sealed class Presence : PeriodicWork
{
    private static readonly TimeSpan Beat = TimeSpan.FromSeconds(10);
    private readonly IClusterBus bus;
    private readonly Func<IReadOnlyCollection<Guid>> local;
    private readonly ConcurrentDictionary<string, (DateTimeOffset Heard, ConcurrentDictionary<Guid, DateTimeOffset> Devices)> nodes = new();

    public Presence(IClusterBus bus, Messaging.Connections connections, TimeProvider clock, ILogger<Presence> logger) : base(clock, logger)
    {
        this.bus = bus;
        local = connections.Devices;
        bus.Subscribe("presence", OnMessage);
        connections.DeviceCameOnline += device => bus.Publish("presence", $"+|{bus.NodeId}|{device:N}");
        connections.DeviceWentOffline += device => bus.Publish("presence", $"-|{bus.NodeId}|{device:N}");
    }

    protected override TimeSpan Interval => Beat;

    /// <summary>Connected to some other node (heard of within three beats).</summary>
    public bool IsConnectedElsewhere(Guid device)
    {
        if (!bus.IsShared)
        {
            return false;
        }
        var fresh = Clock.GetUtcNow() - 3 * Beat;
        foreach (var (_, node) in nodes)
        {
            if (node.Heard > fresh && node.Devices.ContainsKey(device))
            {
                return true;
            }
        }
        return false;
    }

    protected override Task RunOnceAsync(CancellationToken ct)
    {
        if (bus.IsShared)
        {
            bus.Publish("presence", $"=|{bus.NodeId}|" + string.Join(',', local().Select(d => d.ToString("N"))));
        }
        return Task.CompletedTask;
    }

    private void OnMessage(string message)
    {
        var parts = message.Split('|', 3);
        if (parts.Length != 3)
        {
            return;
        }
        var now = Clock.GetUtcNow();
        var node = nodes.AddOrUpdate(parts[1], _ => (now, new()), (_, n) => (now, n.Devices));
        switch (parts[0])
        {
            case "+" when Guid.TryParse(parts[2], out var on):
                node.Devices[on] = now;
                break;
            case "-" when Guid.TryParse(parts[2], out var off):
                node.Devices.TryRemove(off, out _);
                break;
            case "=":
                // The whole list, as a safety net for a lost "-": adds what it names, and drops only devices not heard
                // of for a beat. A "+" may overtake the list taken before it (handlers and publishes are not ordered),
                // and must not be undone by it; nor is the set ever empty in between.
                var listed = new HashSet<Guid>();
                foreach (var id in parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (Guid.TryParse(id, out var device))
                    {
                        listed.Add(device);
                        node.Devices[device] = now;
                    }
                }
                foreach (var (device, heard) in node.Devices)
                {
                    if (!listed.Contains(device) && heard < now - Beat)
                    {
                        node.Devices.TryRemove(device, out _);
                    }
                }
                break;
        }
    }
}
