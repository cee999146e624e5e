using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts.Messaging;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

public static class MessagingModule
{
    public static IServiceCollection AddVaultMessaging(this IServiceCollection services, VaultOptions options)
    {
        services.AddSignalR(hub =>
        {
            // An envelope travels as base64 inside JSON: room for the largest one, and no more.
            hub.MaximumReceiveMessageSize = options.Messaging.MaxEnvelopeBytes * 2 + 4096;
            hub.EnableDetailedErrors = false;
        });
        services.AddSingleton<Connections>();
        services.AddScoped<AccessNotifier>().AddScoped<Delivery>().AddScoped<MessageService>();
        services.AddHostedService<RetentionSweeper>();
        return services;
    }

    public static IEndpointRouteBuilder MapVaultMessaging(this IEndpointRouteBuilder app)
    {
        app.MapChannels();
        app.MapMessages();
        app.MapHub<VaultHub>(HubPaths.Hub);
        return app;
    }
}

/// <summary>
/// Deletes messages past their channel's retention. Reads already hide them the moment they expire; this only
/// frees the space, so its pace does not matter for correctness.
/// </summary>
internal sealed class RetentionSweeper(IServiceScopeFactory scopes, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            await SweepAsync(scope.ServiceProvider.GetRequiredService<VaultDbContext>(), clock.GetUtcNow(), stoppingToken);
        }
    }

    public static async Task<int> SweepAsync(VaultDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var deleted = 0;
        var channels = await db.Channels.AsNoTracking().Where(c => c.RetentionDays != null)
            .Select(c => new { c.Id, c.RetentionDays }).ToListAsync(ct);
        foreach (var channel in channels)
        {
            var cutoff = now.AddDays(-channel.RetentionDays!.Value);
            deleted += await db.Messages.Where(m => m.ChannelId == channel.Id && m.SentAt <= cutoff).ExecuteDeleteAsync(ct);
        }
        return deleted;
    }
}
