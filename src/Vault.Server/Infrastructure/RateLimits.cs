using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Vault.Contracts;

namespace Vault.Server.Infrastructure;

/// <summary>
/// Requests to anonymous endpoints (login, registration, discovery, health, anything unmapped) draw from a token
/// bucket per client address; running dry answers 429 with Retry-After. Endpoints that need a token are not limited
/// here: without a valid one they cost a failed decryption and a 401.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddVaultRateLimits(this IServiceCollection services, VaultOptions options)
    {
        var policy = options.RateLimits;
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsAnonymous(http)
                ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Partition(http.Connection.RemoteIpAddress), _ => Bucket(policy))
                : RateLimitPartition.GetNoLimiter("token"));
            limiter.OnRejected = (context, _) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                return new ValueTask(TooManyAsync(context.HttpContext, TimeSpan.FromSeconds(seconds)));
            };
        });
        return services;
    }

    /// <summary>429 with Retry-After in whole seconds, for the limiter and for the login throttle alike.</summary>
    public static Task TooManyAsync(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.WriteAsync(http, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited,
            "Too many requests: try again later.", $"Try again in {seconds} seconds.");
    }

    /// <summary>The same answer from an endpoint (the login throttle).</summary>
    public static IResult TooMany(TimeSpan retryAfter) => new TooManyResult(retryAfter);

    private sealed class TooManyResult(TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => TooManyAsync(httpContext, retryAfter);
    }

    private static bool IsAnonymous(HttpContext http) =>
        http.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
        || endpoint.Metadata.GetMetadata<IAuthorizeData>() is null;

    private static TokenBucketRateLimiterOptions Bucket(VaultOptions.RateLimitPolicy policy)
    {
        var perMinute = Math.Max(1, policy.AnonymousPermitsPerMinute);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, policy.AnonymousBurst),
            ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
            TokensPerPeriod = perMinute >= 60 ? perMinute / 60 : 1,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
