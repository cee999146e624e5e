using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Server.Infrastructure;

namespace Vault.Server.Storage;

public static class StorageModule
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services, VaultOptions options)
    {
        var root = Path.Combine(options.FullDataDirectory, "blobs");
        Directory.CreateDirectory(root);
        services.AddSingleton<IBlobStore>(new FileSystemBlobStore(root));
        services.AddHealthChecks().AddCheck<BlobStoreHealthCheck>("blob-store", tags: ["ready"]);
        return services;
    }

    private sealed class BlobStoreHealthCheck(IBlobStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            await store.IsReadyAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Blob store unavailable.");
    }
}
