using StackExchange.Redis;
using Vault.Server.Infrastructure;

namespace Vault.Server.Cluster;

/// <summary>
/// One node by default. With <c>Vault:Cluster:Redis</c> set, several nodes share a Redis: SignalR's backplane fans
/// messages out to sockets on any node (MessagingModule), and the bus carries access changes, device revocations and
/// presence between them. Clients connect with WebSockets and skip negotiation, so no sticky sessions are needed.
/// </summary>
public static class ClusterModule
{
    public static IServiceCollection AddVaultCluster(this IServiceCollection services, VaultOptions options)
    {
        if (options.Cluster.Redis is { Length: > 0 } configuration)
        {
            var redis = ConfigurationOptions.Parse(configuration);
            redis.AbortOnConnectFail = false; // a Redis that comes up after the server is waited for, not fatal
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<IClusterBus, RedisBus>();
        }
        else
        {
            services.AddSingleton<IClusterBus, LocalBus>();
        }
        services.AddSingleton<Presence>().AddHostedService(sp => sp.GetRequiredService<Presence>());
        return services;
    }
}
