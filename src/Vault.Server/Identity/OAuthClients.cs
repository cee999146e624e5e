using OpenIddict.Abstractions;
using Vault.Contracts.Identity;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>The first-party public client used by the SDK and CLI (password + refresh grants, no secret).</summary>
internal static class OAuthClients
{
    public static async Task EnsureAsync(IServiceProvider provider, CancellationToken ct)
    {
        var manager = provider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await manager.FindByClientIdAsync(VaultOAuth.FirstPartyClientId, ct) is not null)
        {
            return;
        }
        await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = VaultOAuth.FirstPartyClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "Vault SDK and CLI",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.Password,
                Permissions.GrantTypes.RefreshToken,
                Permissions.Prefixes.Scope + VaultOAuth.ApiScope,
            },
        }, ct);
    }
}
