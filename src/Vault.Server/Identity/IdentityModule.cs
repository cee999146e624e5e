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
    public static IServiceCollection AddVaultIdentity(this IServiceCollection services, VaultOptions options)
    {
        var secrets = new ServerSecrets(options.FullDataDirectory);
        services.AddSingleton(secrets);
        services.AddDataProtection()
            .SetApplicationName("Vault")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(secrets.KeysDirectory, "data-protection")));
        services.AddSingleton<IPasswordHasher<VaultUser>, AuthKeyHasher>();
        services.AddIdentityCore<VaultUser>(identity =>
            {
                identity.User.RequireUniqueEmail = false;
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._@-";
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<VaultDbContext>();
        services.AddScoped<TotpVerifier>();
        services.AddScoped<InvitationService>();

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<VaultDbContext>().ReplaceDefaultEntities<Guid>())
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(VaultOAuth.TokenPath.TrimStart('/'))
                    .SetAuthorizationEndpointUris(VaultOAuth.AuthorizePath.TrimStart('/'));
                server.AllowPasswordFlow().AllowRefreshTokenFlow().AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.OpenId, Scopes.OfflineAccess, VaultOAuth.ApiScope);
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.Tokens.AccessTokenMinutes))
                    .SetRefreshTokenLifetime(TimeSpan.FromDays(options.Tokens.RefreshTokenDays));
                server.AddSigningKey(secrets.SigningKey).AddEncryptionKey(secrets.EncryptionKey);
                var aspNetCore = server.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough();
                if (options.AllowInsecureHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
                // Last before the body is written: earlier handlers may still rewrite the error (e.g. to invalid_grant).
                server.AddEventHandler<OpenIddictServerEvents.ApplyTokenResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.AddProblemFields).SetOrder(
                        OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<OpenIddictServerEvents.ApplyTokenResponseContext>.Descriptor.Order - 1_000));
                server.AddEventHandler<OpenIddictServerEvents.ApplyAuthorizationResponseContext>(handler =>
                    handler.UseInlineHandler(TokenErrors.RenderLocalAuthorizationError)
                        .SetOrder(OpenIddictServerHandlers.Authentication.AttachRedirectUri.Descriptor.Order + 500));
                // PKCE with S256 only: "plain" would hand the verifier to whoever sees the authorization request.
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseAspNetCore();
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
