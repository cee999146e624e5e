using StackExchange.Redis;
using Vault.Server.Infrastructure;

namespace Vault.Server.Cluster;

/// <summary>
/// One node by default. With <c>Vault:Cluster:Redis</c> set, several nodes share a Redis and a PostgreSQL database:
/// the bus carries each batch's deliveries in commit order (FanOut), access changes, device revocations and presence;
/// SignalR's backplane carries the access-change notices to sockets on any node (MessagingModule). Clients connect
/// with WebSockets and skip negotiation, so no sticky sessions are needed.
/// </summary>
public static class ClusterModule
{
    public static IServiceCollection AddVaultCluster(this IServiceCollection services, VaultOptions options)
    {
        if (options.Cluster.Redis is { Length: > 0 } configuration)
        {
            if (Data.DatabaseOptions.Resolve(options).Provider != Data.DatabaseOptions.Postgres)
            {
                // The writers take turns, and publish in the order they committed, through PostgreSQL's advisory locks;
                // a SQLite file is one node's.
                throw new InvalidOperationException(
                    "Vault:Cluster:Redis is set but the database is SQLite: several nodes need PostgreSQL (set Vault:Database:Provider " +
                    "to postgres and Vault:Database:ConnectionString), or leave Vault:Cluster:Redis unset for a single node.");
            }
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
