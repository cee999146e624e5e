using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Vault.Contracts;

namespace Vault.Server.Infrastructure;

/// <summary>
/// Every error leaves as RFC 9457 ProblemDetails with a stable type URI. Exceptions become a bare 500 (or 400
/// for unreadable requests) without their message: the exception, its stack and the trace id go to the log, never to
/// the client.
/// </summary>
public static partial class Problems
{
    public static IServiceCollection AddVaultProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (context.Exception is BadHttpRequestException bad)
            {
                status = bad.StatusCode;
                problem.Title = status == 413 ? "The request body is too large." : "The request could not be read.";
                problem.Detail = null;
            }
            problem.Status = status;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
            {
                // A failed authorization requirement may name a more precise type (e.g. device-required).
                problem.Type = (status == StatusCodes.Status403Forbidden
                    ? context.HttpContext.Items[Identity.DeviceRequirement.ProblemItem] as string
                    : null) ?? ProblemTypes.ForStatus(status);
            }
            problem.Extensions.Remove("exception");
            problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        return services;
    }

    public static ProblemHttpResult Result(int status, string type, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail });

    public static ProblemHttpResult BadRequest(string type, string title, string? detail = null) =>
        Result(StatusCodes.Status400BadRequest, type, title, detail);

    public static ProblemHttpResult NotFound() =>
        Result(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.");

    public static ProblemHttpResult Validation(string detail) =>
        BadRequest(ProblemTypes.Validation, "The request is not valid.", detail);

    /// <summary>Writes a problem from middleware that answers before any endpoint runs.</summary>
    public static async Task WriteAsync(HttpContext http, int status, string type, string title, string? detail = null)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }

    /// <summary>
    /// The last resort. A request the client got wrong (unreadable or oversize body) is a 4xx; anything else is a bug:
    /// a bare 500 whose trace id is in the log beside the exception and its stack, which ASP.NET Core does not log
    /// itself once a handler has handled it.
    /// </summary>
    private sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger)
        : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            var status = exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                System.Text.Json.JsonException => StatusCodes.Status400BadRequest,
                OperationCanceledException when http.RequestAborted.IsCancellationRequested => StatusCodes.Status400BadRequest,
                Storage.BlobStoreUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                // The store's fault, not a bug: nothing was changed (see Documents/UploadSegments), the client retries.
                LogStoreUnavailable(logger, http.Request.Method, http.TraceIdentifier, exception.InnerException?.GetType().Name ?? "-");
            }
            else if (status >= 500)
            {
                LogUnhandled(logger, http.Request.Method, http.Request.Path.Value ?? "/", http.TraceIdentifier, exception);
            }
            else
            {
                LogClientError(logger, status, http.TraceIdentifier);
            }
            http.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = status,
                    Type = status == StatusCodes.Status503ServiceUnavailable ? ProblemTypes.StoreUnavailable : ProblemTypes.ForStatus(status),
                    Title = status switch
                    {
                        413 => "The request body is too large.",
                        503 => "The document store is unavailable; nothing was lost. Try again shortly.",
                        >= 500 => "Something went wrong on the server.",
                        _ => "The request could not be read.",
                    },
                },
            });
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "The blob store is unavailable ({Cause}) in {Method}; answered 503 with trace id {TraceId}.")]
        private static partial void LogStoreUnavailable(ILogger logger, string method, string traceId, string cause);

        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception in {Method} {Path}; answered 500 with trace id {TraceId}.")]
        private static partial void LogUnhandled(ILogger logger, string method, string path, string traceId, Exception exception);

        // Deliberately without the exception: its message may quote the request.
        [LoggerMessage(Level = LogLevel.Information, Message = "Unreadable request answered {Status} ({TraceId}).")]
        private static partial void LogClientError(ILogger logger, int status, string traceId);
    }
}

/// <summary>A refusal that REST turns into ProblemDetails and the hub into a SendResult refusal, with the same type URI.</summary>
public sealed record Problem(int Status, string Type, string Title)
{
    public static readonly Problem NotFound = new(404, ProblemTypes.NotFound, "Not found.");
    public static readonly Problem Forbidden = new(403, ProblemTypes.Forbidden, "Your role in this family does not allow this.");
    public static readonly Problem NoConsent = new(403, ProblemTypes.NoConsent, "No active consent grant covers this.");

    public static readonly Problem Restricted = new(423, ProblemTypes.FamilyRestricted,
        "The family's data is restricted (AVG article 18): it can be read, not changed, until the privacy officer lifts the restriction.");

    public static Problem Validation(string title) => new(400, ProblemTypes.Validation, title);

    public IResult ToResult() => Problems.Result(Status, Type, Title);
}
