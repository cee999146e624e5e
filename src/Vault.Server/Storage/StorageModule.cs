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
        services.AddSingleton<BlobStoreHealthCheck>();
        services.AddHealthChecks().AddCheck<BlobStoreHealthCheck>("blob-store", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// A probe writes and syncs an object: anyone may poll /health/ready, so at most one probe runs per interval and
    /// every caller in between shares its answer.
    /// </summary>
    private sealed class BlobStoreHealthCheck(IBlobStore store, TimeProvider clock) : IHealthCheck
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
        private readonly Lock gate = new();
        private Task<bool>? probe;
        private DateTimeOffset probedAt;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            Task<bool> current;
            lock (gate)
            {
                var now = clock.GetUtcNow();
                if (probe is null || now - probedAt >= Interval)
                {
                    (probe, probedAt) = (ProbeAsync(), now);
                }
                current = probe;
            }
            return await current.WaitAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Blob store unavailable.");
        }

        // Not the caller's token: the shared probe must not fail because the first caller went away.
        private async Task<bool> ProbeAsync()
        {
            try
            {
                return await store.IsReadyAsync(CancellationToken.None);
            }
#pragma warning disable CA1031 // a store that throws is a store that is not ready
            catch (Exception)
#pragma warning restore CA1031
            {
                return false;
            }
        }
    }
}
