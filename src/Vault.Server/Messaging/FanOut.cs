using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Vault.Contracts.Messaging;

namespace Vault.Server.Messaging;

/// <summary>
/// Live delivery of committed messages. The writer hands over each batch's messages in sequence order with the devices
/// whose delivery it has already audited; every device has its own queue and pump, so messages reach a device in the
/// order they were committed and a slow or stalled connection holds up nobody but itself. A device that falls too far
/// behind loses its live queue and catches up from history (the SDK fills gaps by itself); a delivery that fails is
/// left to that catch-up too, since the message is stored either way.
/// </summary>
public sealed partial class FanOut(IHubContext<VaultHub, IVaultHubClient> hub, ILogger<FanOut> logger)
{
    private const int MaxQueuedPerDevice = 4096;
    private readonly IHubContext<VaultHub, IVaultHubClient> hub = hub;
    private readonly ILogger<FanOut> logger = logger;
    private readonly ConcurrentDictionary<Guid, DeviceQueue> queues = new();

    internal void Enqueue(List<(MessageDelivery Message, List<Guid> Devices)> batch)
    {
        foreach (var (message, devices) in batch)
        {
            foreach (var device in devices)
            {
                queues.GetOrAdd(device, id => new DeviceQueue(this, id)).Post(message);
            }
        }
    }

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
            var group = owner.hub.Clients.Group(Connections.DeviceGroup(deviceId));
            await foreach (var message in pending.Reader.ReadAllAsync())
            {
                try
                {
                    await group.Message(message);
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
