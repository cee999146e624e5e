using System.Diagnostics;

namespace Vault.Server.Infrastructure;

/// <summary>
/// One log line per request with method, route path, status and duration. Deliberately no query string (SignalR
/// carries access tokens there), no headers and no bodies: nothing that could reveal content, tokens or keys.
/// ASP.NET Core's own request logging is turned down to Warning in appsettings for the same reason.
/// </summary>
public static partial class RequestLogging
{
    public static IApplicationBuilder UseVaultRequestLogging(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Vault.Requests");
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogRequest(logger, http.Request.Method, http.Request.Path.Value ?? "/", http.Response.StatusCode,
                    elapsed, http.TraceIdentifier);
            }
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} -> {Status} in {ElapsedMs:0.0} ms ({RequestId})")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsedMs, string requestId);
}
