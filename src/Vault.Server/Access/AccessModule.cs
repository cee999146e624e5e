using Microsoft.EntityFrameworkCore;
using Vault.Server.Data;

namespace Vault.Server.Access;

/// <summary>The access state of each family in memory, and the one door through which changes to it pass.</summary>
public static class AccessModule
{
    public static IServiceCollection AddVaultAccess(this IServiceCollection services)
    {
        services.AddSingleton<AccessCache>().AddSingleton<AccessStamps>();
        services.ConfigureDbContext<VaultDbContext>((sp, db) => db.AddInterceptors(sp.GetRequiredService<AccessStamps>()));
        return services;
    }
}
