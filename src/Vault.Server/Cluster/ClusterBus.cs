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

    /// <summary>
    /// Returns once the message is published. Whoever publishes in a known order (the writers, taking turns) has every
    /// node receive the messages in that order.
    /// </summary>
    Task PublishOrderedAsync(string topic, byte[] message);

    /// <summary>Every node's messages on a topic, this node's own included, handled one at a time in publishing order.</summary>
    Task SubscribeOrderedAsync(string topic, Func<byte[], Task> handler);
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

    public Task PublishOrderedAsync(string topic, byte[] message) =>
        throw new InvalidOperationException("A single node publishes nothing: deliver in process.");

    public Task SubscribeOrderedAsync(string topic, Func<byte[], Task> handler) => Task.CompletedTask;
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

    public Task PublishOrderedAsync(string topic, byte[] message) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Prefix + topic), message);

    public async Task SubscribeOrderedAsync(string topic, Func<byte[], Task> handler)
    {
        // A queue, not a handler: StackExchange.Redis may run handlers concurrently; a queue's are run one by one.
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + topic));
        queue.OnMessage(message => handler((byte[])message.Message!));
    }
}
