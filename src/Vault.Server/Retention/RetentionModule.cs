using Vault.Server.Infrastructure;

namespace Vault.Server.Retention;

/// <summary>The retention clocks: the job that purges what expired, and the privacy officer's view of a family's clocks.</summary>
public static class RetentionModule
{
    public static IServiceCollection AddVaultRetention(this IServiceCollection services, VaultOptions options)
    {
        options.Retention.Validate(); // now: a wrong clock stops the start, not a round years later
        services.AddSingleton<RetentionJob>().AddHostedService(sp => sp.GetRequiredService<RetentionJob>());
        return services;
    }

    public static IEndpointRouteBuilder MapVaultRetention(this IEndpointRouteBuilder app)
    {
        app.MapGet("/privacy/families/{familyId:guid}/retention", RetentionEndpoints.StateAsync).WithTags("Privacy").RequireAuthorization()
            .WithSummary("Privacy officer: a family's retention clocks, its legal hold and what the last rounds purged.");
        return app;
    }
}
