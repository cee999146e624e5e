using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Vault.Contracts.Messaging;
using Vault.Server.Cluster;

namespace Vault.Server.Messaging;

/// <summary>
/// Live delivery of committed messages. The writer hands over each batch's messages in sequence order with the devices
/// whose delivery it has already audited; every device has its own queue and pump, so messages reach a device in the
/// order they were committed and a slow or stalled connection holds up nobody but itself. A device that falls too far
/// behind loses its live queue and catches up from history (the SDK fills gaps by itself); a delivery that fails is
/// left to that catch-up too, since the message is stored either way.
/// With several nodes, batches go round through the bus, this node's own too: the writers publish in the order they
/// committed (AuditLog holds the turn until the batch is published), and each node queues what reaches it for the
/// devices connected to it, so a device sees one order whichever node wrote.
/// </summary>
public sealed partial class FanOut(IHubContext<VaultHub, IVaultHubClient> hub, Connections connections, IClusterBus bus, ILogger<FanOut> logger)
    : IHostedService
{
    private const int MaxQueuedPerDevice = 4096;
    private const string Topic = "deliveries";
    private readonly ConcurrentDictionary<Guid, DeviceQueue> queues = new();
    private readonly IHubContext<VaultHub, IVaultHubClient> hub = hub;
    private readonly Connections connections = connections;
    private readonly IClusterBus bus = bus;
    private readonly ILogger<FanOut> logger = logger;

    /// <summary>Subscribed before the server takes connections, so no batch for a device connected here goes unseen.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => bus.SubscribeOrderedAsync(Topic, payload =>
    {
        try
        {
            Enqueue(JsonSerializer.Deserialize<List<Published>>(payload, JsonSerializerOptions.Web)!.ConvertAll(p => (p.Message, p.Devices)));
        }
#pragma warning disable CA1031 // a batch that cannot be read is caught up from history; the next one must still be handled
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogDeliveryFailed(logger, e);
        }
        return Task.CompletedTask;
    });

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A committed batch, for the devices connected here or, with several nodes, anywhere.</summary>
    internal Task DeliverAsync(List<(MessageDelivery Message, List<Guid> Devices)> batch)
    {
        if (!bus.IsShared)
        {
            Enqueue(batch);
            return Task.CompletedTask;
        }
        return bus.PublishOrderedAsync(Topic, JsonSerializer.SerializeToUtf8Bytes(
            batch.Where(d => d.Devices.Count > 0).Select(d => new Published(d.Message, d.Devices)).ToList(), JsonSerializerOptions.Web));
    }

    private void Enqueue(List<(MessageDelivery Message, List<Guid> Devices)> batch)
    {
        foreach (var (message, devices) in batch)
        {
            foreach (var device in devices)
            {
                if (connections.IsConnected(device))
                {
                    queues.GetOrAdd(device, id => new DeviceQueue(this, id)).Post(message);
                }
            }
        }
    }

    private sealed record Published(MessageDelivery Message, List<Guid> Devices);

    /// <summary>A device that went offline: whatever it had queued it gets from history.</summary>
    public void Forget(Guid deviceId)
    {
        if (queues.TryRemove(deviceId, out var queue))
        {
            queue.Close();
        }
    }

    private sealed class DeviceQueue
    {
        private readonly FanOut owner;
        private readonly Guid deviceId;
        private readonly System.Threading.Channels.Channel<MessageDelivery> pending = System.Threading.Channels.Channel.CreateBounded<MessageDelivery>(
            new BoundedChannelOptions(MaxQueuedPerDevice) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public DeviceQueue(FanOut owner, Guid deviceId)
        {
            this.owner = owner;
            this.deviceId = deviceId;
            _ = PumpAsync();
        }

        private bool closed;

        public void Post(MessageDelivery message)
        {
            if (!pending.Writer.TryWrite(message) && !Volatile.Read(ref closed))
            {
                // Too far behind: stop live delivery to it; its next connection catches up from its cursor.
                LogFellBehind(owner.logger, deviceId);
                owner.Forget(deviceId);
            }
        }

        public void Close()
        {
            Volatile.Write(ref closed, true);
            pending.Writer.TryComplete();
        }

        private async Task PumpAsync()
        {
            await foreach (var message in pending.Reader.ReadAllAsync())
            {
                try
                {
                    // Each of the device's sockets on this node, written to directly: a group or several connections
                    // at once would go round the backplane, and could overtake or fall behind the next message.
                    foreach (var connectionId in owner.connections.LocalConnectionIds(deviceId))
                    {
                        await owner.hub.Clients.Client(connectionId).Message(message);
                    }
                }
#pragma warning disable CA1031 // the message is stored; the device catches up from history
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogDeliveryFailed(owner.logger, e);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live delivery of a stored message failed; the device gets it from history.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} fell too far behind; live delivery to it stops until it reconnects.")]
    private static partial void LogFellBehind(ILogger logger, Guid deviceId);
}
