using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Server.Infrastructure;

namespace Vault.Server.Storage;

public static class StorageModule
{
    public static IServiceCollection AddVaultStorage(this IServiceCollection services, VaultOptions options)
    {
        var provider = Provider(options);
        if (provider == StoragePolicy.S3Provider)
        {
            var connection = StoragePolicy.ResolveS3(options); // checked now: a wrong setting stops the start, not the first upload
            services.AddSingleton<IBlobStore>(sp => new S3BlobStore(connection, sp.GetRequiredService<ILogger<S3BlobStore>>()));
        }
        else
        {
            services.AddSingleton<IBlobStore>(FileSystemStore(options));
        }
        services.AddSingleton<BlobStoreHealthCheck>();
        services.AddHealthChecks().AddCheck<BlobStoreHealthCheck>("blob-store", tags: ["ready"]);
        return services;
    }

    /// <summary>The store <paramref name="options"/> choose, outside dependency injection (tests, tools); the caller disposes it.</summary>
    public static IBlobStore CreateStore(VaultOptions options, ILoggerFactory loggers) =>
        Provider(options) == StoragePolicy.S3Provider
            ? new S3BlobStore(StoragePolicy.ResolveS3(options), loggers.CreateLogger<S3BlobStore>())
            : FileSystemStore(options);

    private static string Provider(VaultOptions options)
    {
        var provider = (options.Storage.Provider ?? "").Trim().ToLowerInvariant();
        return provider is StoragePolicy.FileSystemProvider or StoragePolicy.S3Provider
            ? provider
            : throw new InvalidOperationException(
                $"Vault:Storage:Provider is \"{options.Storage.Provider}\": use \"{StoragePolicy.FileSystemProvider}\" (the embedded default) or \"{StoragePolicy.S3Provider}\".");
    }

    private static FileSystemBlobStore FileSystemStore(VaultOptions options)
    {
        var root = Path.Combine(options.FullDataDirectory, "blobs");
        Directory.CreateDirectory(root);
        return new FileSystemBlobStore(root);
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
