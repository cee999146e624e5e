using Microsoft.Extensions.DependencyInjection.Extensions;
using Vault.Contracts.Messaging;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

public static class MessagingModule
{
    public static IServiceCollection AddVaultMessaging(this IServiceCollection services, VaultOptions options)
    {
        var signalR = services.AddSignalR(hub =>
        {
            // An envelope travels as base64 inside JSON: room for the largest one, and no more.
            hub.MaximumReceiveMessageSize = options.Messaging.MaxEnvelopeBytes * 2 + 4096;
            hub.EnableDetailedErrors = false;
        });
        if (options.Cluster.Redis is { Length: > 0 } redis)
        {
            // Several nodes: a message for a device group reaches its socket on whichever node holds it.
            signalR.AddStackExchangeRedis(redis, backplane =>
            {
                backplane.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("vault-hub");
                backplane.Configuration.AbortOnConnectFail = false;
            });
        }
        services.AddSingleton<Connections>();
        services.AddScoped<AccessNotifier>().AddSingleton<SendPipeline>();
        services.AddSingleton<FanOut>().AddHostedService(sp => sp.GetRequiredService<FanOut>());
        services.TryAddSingleton<ISendCommitHook, NoSendCommitHook>();
        services.AddSingleton<RetentionSweeper>().AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        return services;
    }

    public static IEndpointRouteBuilder MapVaultMessaging(this IEndpointRouteBuilder app)
    {
        app.MapChannels();
        app.MapMessages();
        // A connection lives no longer than its access token: the SDK reconnects with a fresh one and catches up.
        app.MapHub<VaultHub>(HubPaths.Hub, hub => hub.CloseOnAuthenticationExpiration = true);
        return app;
    }
}

