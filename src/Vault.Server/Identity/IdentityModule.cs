using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Server.Data;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>Accounts (ASP.NET Core Identity), tokens (OpenIddict), invitations and the second factor.</summary>
public static class IdentityModule
{
    public static IServiceCollection AddVaultIdentity(this IServiceCollection services, VaultOptions options, PublicEndpoint endpoint)
    {
        var kek = KeyEncryptionKey.Load(options);
        if (kek is null && !endpoint.PlainHttp)
        {
            throw new InvalidOperationException($"A server on {endpoint.Url} needs a key-encryption key for its keys at rest: {KeyEncryptionKey.GenerateHint}.");
        }
        var secrets = new ServerSecrets(options.FullDataDirectory, kek);
        services.AddSingleton(secrets);
        var protectionKeys = Path.Combine(secrets.KeysDirectory, "data-protection");
        var protection = services.AddDataProtection().SetApplicationName("Vault").PersistKeysToFileSystem(new DirectoryInfo(protectionKeys));
        if (kek is not null)
        {
            services.AddSingleton(kek);
            SealedDataProtection.SealExisting(protectionKeys, kek);
            protection.AddKeyManagementOptions(keys => keys.XmlEncryptor = new SealedXmlEncryptor(kek));
        }
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<IPasswordHasher<VaultUser>, AuthKeyHasher>();
        services.AddIdentityCore<VaultUser>(identity =>
            {
                identity.User.RequireUniqueEmail = false;
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._@-";
                // No hard lockout (anyone could lock anyone out): LoginThrottle slows failed logins down instead.
                identity.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<VaultDbContext>();
        services.AddScoped<TotpVerifier>();
        services.AddScoped<InvitationService>();

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<VaultDbContext>().ReplaceDefaultEntities<Guid>())
            .AddServer(server =>
            {
                // The issuer, and the base of every URL in the discovery document, from configuration, never from Host.
                server.SetIssuer(endpoint.Url).UsePublicEndpointUris(endpoint);
                server.SetTokenEndpointUris(VaultOAuth.TokenPath.TrimStart('/'))
                    .SetAuthorizationEndpointUris(VaultOAuth.AuthorizePath.TrimStart('/'))
                    .SetRevocationEndpointUris(VaultOAuth.RevocationPath.TrimStart('/'));
                server.AllowPasswordFlow().AllowRefreshTokenFlow().AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.OpenId, Scopes.OfflineAccess, VaultOAuth.ApiScope);
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.Tokens.AccessTokenMinutes))
                    .SetRefreshTokenLifetime(TimeSpan.FromDays(options.Tokens.RefreshTokenDays));
                server.AddSigningKey(secrets.SigningKey).AddEncryptionKey(secrets.EncryptionKey);
                var aspNetCore = server.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough();
                if (endpoint.PlainHttp) // loopback or Development only (PublicEndpoint refuses anything else)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
                // Last before the body is written: earlier handlers may still rewrite the error (e.g. to invalid_grant).
                server.AddEventHandler<OpenIddictServerEvents.ApplyTokenResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.AddProblemFields).SetOrder(
                        OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<OpenIddictServerEvents.ApplyTokenResponseContext>.Descriptor.Order - 1_000));
                server.AddEventHandler<OpenIddictServerEvents.ApplyConfigurationResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.AddProblemFields).SetOrder(
                        OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<OpenIddictServerEvents.ApplyConfigurationResponseContext>.Descriptor.Order - 1_000));
                server.AddEventHandler<OpenIddictServerEvents.ApplyRevocationResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.AddProblemFields).SetOrder(
                        OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<OpenIddictServerEvents.ApplyRevocationResponseContext>.Descriptor.Order - 1_000));
                server.AddEventHandler<OpenIddictServerEvents.ApplyJsonWebKeySetResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.AddProblemFields).SetOrder(
                        OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<OpenIddictServerEvents.ApplyJsonWebKeySetResponseContext>.Descriptor.Order - 1_000));
                server.AddEventHandler<OpenIddictServerEvents.ApplyAuthorizationResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.RenderLocalAuthorizationError)
                        .SetOrder(OpenIddictServerHandlers.Authentication.AttachRedirectUri.Descriptor.Order + 500));
                // PKCE with S256 only: "plain" would hand the verifier to whoever sees the authorization request.
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                // Tokens only in the Authorization header: a token in a URL ends up in logs and browser history, and a
                // body form would be read for every request. The hub's WebSocket is the one exception (HubToken).
                validation.UseAspNetCore().DisableAccessTokenExtractionFromQueryString().DisableAccessTokenExtractionFromBodyForm();
                // One lookup per request buys immediate sign-out: a revoked token (passphrase change) stops at once.
                validation.EnableTokenEntryValidation();
                validation.AddEventHandler<OpenIddictValidationEvents.ProcessAuthenticationContext>(handler =>
                    handler.UseScopedHandler<DeviceRevocationCheck>()
                        .SetOrder(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor.Order + 1_000)
                        .SetType(OpenIddictValidationHandlerType.Custom));
            });

        BrowserLogin.AddCookie(services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme));
        services.AddSingleton<IAuthorizationHandler, DeviceRequirement.Handler>();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(Policies.Device())
            .AddPolicy(Policies.Account, new AuthorizationPolicyBuilder(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Admin, new AuthorizationPolicyBuilder(Policies.Device())
                .RequireClaim(VaultOAuth.RoleClaim, Roles.Admin).Build());

        services.AddHostedService<IdentityBootstrap>();
        return services;
    }

    public static IEndpointRouteBuilder MapVaultIdentity(this IEndpointRouteBuilder app)
    {
        app.MapPreLogin();
        app.MapRegistration();
        app.MapTokenEndpoint();
        app.MapBrowserLogin();
        app.MapAccount();
        app.MapInvitations();
        return app;
    }
}

public static class Policies
{
    /// <summary>Authenticated without a registered device: only enough to recover keys and enrol a device.</summary>
    public const string Account = "account";
    public const string Admin = "admin";

    /// <summary>The default: a token bound to a registered, unrevoked device.</summary>
    public static AuthorizationPolicy Device() =>
        new AuthorizationPolicyBuilder(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new DeviceRequirement())
            .Build();
}
