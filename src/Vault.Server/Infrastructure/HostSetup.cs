using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scalar.AspNetCore;
using Vault.Server.Identity;
using Vault.Server.Messaging;

namespace Vault.Server.Infrastructure;

/// <summary>Host-wide plumbing: options, the public face, limits, error pages, health endpoints.</summary>
public static class HostSetup
{
    public static (VaultOptions Options, PublicEndpoint Endpoint) AddVaultHost(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(VaultOptions.Section);
        builder.Services.Configure<VaultOptions>(section);
        var options = section.Get<VaultOptions>() ?? new VaultOptions();
        DataDirectory.Secure(options.FullDataDirectory); // first: everything created later is private
        var endpoint = PublicEndpoint.Resolve(options, builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(endpoint);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<ForwardedHeadersOptions>(endpoint.ConfigureForwardedHeaders);
        builder.Services.Configure<HostFilteringOptions>(hosts => endpoint.ConfigureHostFiltering(hosts, builder.Configuration));
        // Host filtering and forwarded headers run in the pipeline below, as configured here, and nowhere else: the
        // framework's own filters would run them first (and ASPNETCORE_FORWARDEDHEADERS_ENABLED would believe anyone).
        foreach (var filter in builder.Services.Where(d => d.ServiceType == typeof(IStartupFilter)
                     && d.ImplementationType?.Name is "HostFilteringStartupFilter" or "ForwardedHeadersStartupFilter").ToList())
        {
            builder.Services.Remove(filter);
        }
        builder.Services.AddVaultRateLimits(options);
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Servers = [new Microsoft.OpenApi.OpenApiServer { Url = endpoint.Url.ToString() }];
            return Task.CompletedTask;
        }));
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.UnmappedMemberHandling =
            System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip);
        builder.Services.TryAddTimeProvider();
        builder.Services.AddSingleton(new BootstrapOutput(Console.Out));
        return (options, endpoint);
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(s => s.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>
    /// In this order: who the client is (trusted proxies only), logging, headers on every answer, problems for every
    /// error, then the refusals that need no account (TLS, host, rate, unreadable body), and only then authentication.
    /// </summary>
    public static WebApplication UseVaultPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<PublicEndpoint>().HasTrustedProxies)
        {
            app.UseForwardedHeaders(); // with no proxy configured it would believe anyone's X-Forwarded-*
        }
        app.UseVaultRequestLogging();
        app.UseVaultSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        PublicEndpoint.UseTransportSecurity(app, app.Environment);
        app.UseHostFiltering();
        app.UseRateLimiter();
        app.UseVaultRequestParsing();
        app.UseHubAccessTokenFromQuery();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// The OpenAPI document (one, v1) and its reader at /scalar/. The reader loads nothing from elsewhere (no web fonts,
    /// no telemetry): the page's CSP allows only this server, and a family's coordinator need not tell a CDN she looked.
    /// </summary>
    public static WebApplication MapVaultApiDescription(this WebApplication app)
    {
        app.MapOpenApi("/openapi/v1.json");
        app.MapScalarApiReference(reference => reference.DisableDefaultFonts().DisableTelemetry());
        return app;
    }

    public static WebApplication MapVaultHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteHealth,
        }).AllowAnonymous();
        return app;
    }

    // Names and states only: a failing check's exception never reaches the response.
    private static Task WriteHealth(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        }, cancellationToken: http.RequestAborted);
    }
}
