using OpenIddict.Server;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// The discovery document names its endpoints under the configured public URL. OpenIddict would build them from the
/// request's own scheme and host (which a client chooses, and a forged Host header would then choose for everyone who
/// trusts the document); the issuer alone being configured is not enough.
/// </summary>
internal static class Discovery
{
    public static OpenIddictServerBuilder UsePublicEndpointUris(this OpenIddictServerBuilder server, PublicEndpoint endpoint) =>
        server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                var options = context.Options;
                context.AuthorizationEndpoint ??= Under(endpoint.Url, options.AuthorizationEndpointUris);
                context.TokenEndpoint ??= Under(endpoint.Url, options.TokenEndpointUris);
                context.JsonWebKeySetEndpoint ??= Under(endpoint.Url, options.JsonWebKeySetEndpointUris);
                context.DeviceAuthorizationEndpoint ??= Under(endpoint.Url, options.DeviceAuthorizationEndpointUris);
                context.IntrospectionEndpoint ??= Under(endpoint.Url, options.IntrospectionEndpointUris);
                context.EndSessionEndpoint ??= Under(endpoint.Url, options.EndSessionEndpointUris);
                context.RevocationEndpoint ??= Under(endpoint.Url, options.RevocationEndpointUris);
                context.UserInfoEndpoint ??= Under(endpoint.Url, options.UserInfoEndpointUris);
                return ValueTask.CompletedTask;
            })
            // Before OpenIddict's own AttachEndpoints, which only fills what is still empty.
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order - 500));

    private static Uri? Under(Uri baseUrl, List<Uri> uris) => uris.Count == 0 ? null
        : uris[0].IsAbsoluteUri ? uris[0] : new Uri(baseUrl, uris[0]);
}
