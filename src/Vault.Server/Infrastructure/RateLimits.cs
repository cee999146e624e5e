using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Vault.Contracts;

namespace Vault.Server.Infrastructure;

/// <summary>
/// Requests draw from a token bucket per client address; running dry answers 429 with Retry-After. Anonymous
/// endpoints (login, registration, discovery, health, anything unmapped) have a tight bucket; endpoints that need a
/// token a generous one of their own, since a made-up token still costs a decryption before its 401. Hub messages
/// after the connection is open are not HTTP requests and are not counted here.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddVaultRateLimits(this IServiceCollection services, VaultOptions options)
    {
        var policy = options.RateLimits;
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsAnonymous(http)
                ? RateLimitPartition.GetTokenBucketLimiter("anonymous " + ClientAddress.Partition(http.Connection.RemoteIpAddress),
                    _ => Bucket(policy.AnonymousPermitsPerMinute, policy.AnonymousBurst))
                : RateLimitPartition.GetTokenBucketLimiter("token " + ClientAddress.Partition(http.Connection.RemoteIpAddress),
                    _ => Bucket(policy.TokenPermitsPerMinute, policy.TokenBurst)));
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

    private static TokenBucketRateLimiterOptions Bucket(int permitsPerMinute, int burst)
    {
        var perMinute = Math.Max(1, permitsPerMinute);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
            TokensPerPeriod = perMinute >= 60 ? perMinute / 60 : 1,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
