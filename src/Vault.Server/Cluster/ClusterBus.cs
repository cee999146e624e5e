using StackExchange.Redis;

namespace Vault.Server.Cluster;

/// <summary>
/// Word between the server nodes of one installation: "this family's access changed", "cut this device off",
/// "these devices are connected here". One node needs none of it (<see cref="LocalBus"/>); several share a Redis
/// (<see cref="RedisBus"/>). Delivery is at most once: whatever depends on it for correctness has a second line
/// (the send path compares access stamps in its own transaction; cached state expires).
/// </summary>
public interface IClusterBus
{
    /// <summary>This process, as the other nodes know it.</summary>
    string NodeId { get; }

    bool IsShared { get; }

    void Publish(string topic, string message);

    /// <summary>Messages of other nodes on a topic (never this node's own).</summary>
    void Subscribe(string topic, Action<string> handler);
}

/// <summary>A single node: nobody else to tell.</summary>
public sealed class LocalBus : IClusterBus
{
    public string NodeId { get; } = Guid.NewGuid().ToString("N");
    public bool IsShared => false;

    public void Publish(string topic, string message)
    {
    }

    public void Subscribe(string topic, Action<string> handler)
    {
    }
}

/// <summary>Redis pub/sub, each message tagged with its sender so a node ignores its own.</summary>
public sealed class RedisBus(IConnectionMultiplexer redis) : IClusterBus
{
    private const string Prefix = "vault:";
    public string NodeId { get; } = Guid.NewGuid().ToString("N");
    public bool IsShared => true;

    public void Publish(string topic, string message) =>
        redis.GetSubscriber().Publish(RedisChannel.Literal(Prefix + topic), NodeId + "|" + message, CommandFlags.FireAndForget);

    public void Subscribe(string topic, Action<string> handler) =>
        redis.GetSubscriber().Subscribe(RedisChannel.Literal(Prefix + topic), (_, value) =>
        {
            var text = (string?)value ?? "";
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && text[..bar] != NodeId)
            {
                handler(text[(bar + 1)..]);
            }
        });
}
