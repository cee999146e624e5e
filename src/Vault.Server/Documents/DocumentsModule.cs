using Vault.Server.Infrastructure;

namespace Vault.Server.Documents;

public static class DocumentsModule
{
    public static IServiceCollection AddVaultDocuments(this IServiceCollection services)
    {
        services.AddScoped<DocumentVersions>();
        services.AddSingleton<DocumentSweeper>().AddHostedService(sp => sp.GetRequiredService<DocumentSweeper>());
        return services;
    }

    public static IEndpointRouteBuilder MapVaultDocuments(this IEndpointRouteBuilder app, VaultOptions options)
    {
        app.MapUploads(options);
        app.MapDocumentReads();
        return app;
    }
}
