using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vault.Server.Cluster;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Which devices other nodes hold, as the presence messages tell it. Redis may hand the handlers a node's messages out
/// of order: a device announced after a node listed its devices must not be forgotten when that list arrives late,
/// or the writers would stop auditing and delivering to it live until the next beat.
/// </summary>
public sealed class PresenceTests
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly Bus bus = new();
    private readonly Presence presence;
    private readonly Guid device = Guid.NewGuid();

    public PresenceTests() =>
        presence = new Presence(bus, new Connections(bus), clock, NullLogger<Presence>.Instance);

    [Fact]
    public void Announce_ThenAnOlderListWithoutIt_DeviceStillConnectedElsewhere()
    {
        bus.Hear($"+|node-b|{device:N}");
        bus.Hear("=|node-b|"); // the list node B took just before the device came: it overtook nothing, it arrived late

        Assert.True(presence.IsConnectedElsewhere(device));
    }

    [Fact]
    public void List_WithoutADeviceHeardOfOverABeatAgo_DeviceDropped()
    {
        bus.Hear($"+|node-b|{device:N}");
        clock.Advance(TimeSpan.FromSeconds(11)); // a lost "-": the next list is the safety net
        bus.Hear("=|node-b|");

        Assert.False(presence.IsConnectedElsewhere(device));
    }

    [Fact]
    public void Leave_DeviceNoLongerConnectedElsewhere()
    {
        bus.Hear($"+|node-b|{device:N}");
        bus.Hear($"-|node-b|{device:N}");

        Assert.False(presence.IsConnectedElsewhere(device));
    }

    /// <summary>A shared bus whose messages the test hands to the subscribers itself.</summary>
    private sealed class Bus : IClusterBus
    {
        private readonly Dictionary<string, List<Action<string>>> handlers = [];

        public string NodeId => "node-a";
        public bool IsShared => true;

        public void Hear(string message)
        {
            foreach (var handler in handlers.GetValueOrDefault("presence", []))
            {
                handler(message);
            }
        }

        public void Publish(string topic, string message)
        {
        }

        public void Subscribe(string topic, Action<string> handler) =>
            (handlers.TryGetValue(topic, out var list) ? list : handlers[topic] = []).Add(handler);

        public Task PublishOrderedAsync(string topic, byte[] message) => Task.CompletedTask;

        public Task SubscribeOrderedAsync(string topic, Func<byte[], Task> handler) => Task.CompletedTask;
    }
}
