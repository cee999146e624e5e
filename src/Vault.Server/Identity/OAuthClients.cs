using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Vault.Contracts.Identity;
using Vault.Server.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// The first-party public clients: "vault-sdk" (SDK and CLI: password + refresh grants, no secret) and, when
/// redirect URIs are configured, "vault-web" (browsers: authorization code with PKCE S256 + refresh).
/// </summary>
internal static class OAuthClients
{
    public const string WebClientId = "vault-web";

    public static async Task EnsureAsync(IServiceProvider provider, CancellationToken ct)
    {
        var manager = provider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = VaultOAuth.FirstPartyClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "Vault SDK and CLI",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.Password,
                Permissions.GrantTypes.RefreshToken,
                Permissions.Prefixes.Scope + VaultOAuth.ApiScope,
            },
        };
        // Kept as this code says, so a server that existed before a permission was added gets it too; written only when it
        // differs (nodes starting together would otherwise race on the row's concurrency token).
        if (await manager.FindByClientIdAsync(VaultOAuth.FirstPartyClientId, ct) is { } existing)
        {
            if (!(await manager.GetPermissionsAsync(existing, ct)).ToHashSet().SetEquals(descriptor.Permissions))
            {
                await manager.UpdateAsync(existing, descriptor, ct);
            }
        }
        else
        {
            await manager.CreateAsync(descriptor, ct);
        }
        await EnsureWebClientAsync(manager, provider.GetRequiredService<IOptions<VaultOptions>>().Value.WebClient, ct);
    }

    // Follows the configuration on every start: redirect URIs added, changed or removed take effect.
    private static async Task EnsureWebClientAsync(IOpenIddictApplicationManager manager, VaultOptions.WebClientPolicy policy,
        CancellationToken ct)
    {
        var existing = await manager.FindByClientIdAsync(WebClientId, ct);
        if (policy.RedirectUris.Count == 0)
        {
            if (existing is not null)
            {
                await manager.DeleteAsync(existing, ct);
            }
            return;
        }
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = WebClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "Vault web",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + VaultOAuth.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in policy.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }
        if (existing is null)
        {
            await manager.CreateAsync(descriptor, ct);
        }
        else
        {
            await manager.UpdateAsync(existing, descriptor, ct);
        }
    }
}
