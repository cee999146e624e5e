using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// Accounts exist only by invitation. An admin invites any role here; inviting members into a family is the
/// families feature's job. On first start with an empty database the server invites its first admin.
/// </summary>
internal static class InvitationEndpoints
{
    public static void MapInvitations(this IEndpointRouteBuilder app) =>
        app.MapPost("/invitations", Create).RequireAuthorization(Policies.Admin).WithTags("Identity")
            .WithSummary("Create a one-time invitation for a role (admin).");

    private static async Task<IResult> Create(CreateInvitationRequest request, ClaimsPrincipal principal,
        InvitationService invitations, IOptions<VaultOptions> options, CancellationToken ct)
    {
        if (!Roles.IsKnown(request.Role))
        {
            return Problems.Validation($"Role must be one of: {string.Join(", ", Roles.All)}.");
        }
        if (request.ValidForHours is { } hours && (hours < 1 || hours > options.Value.Invitations.MaxValidForHours))
        {
            return Problems.Validation($"validForHours must be between 1 and {options.Value.Invitations.MaxValidForHours}.");
        }
        var (invitation, code) = await invitations.CreateAsync(request.Role, principal.UserId(), request.ValidForHours, null, null, ct);
        return TypedResults.Ok(new InvitationResponse(invitation.Id, code, invitation.Role, invitation.ExpiresAt));
    }
}

/// <summary>Where the first-start admin invitation is printed: stdout, on a line of its own.</summary>
public sealed class BootstrapOutput(TextWriter writer)
{
    public const string Prefix = "Admin invitation: ";

    public void WriteAdminInvitation(string code)
    {
        writer.WriteLine(Prefix + code);
        writer.Flush();
    }
}

/// <summary>
/// Registers the first-party OAuth client and, while no account exists, makes sure the first admin can be invited:
/// if no usable admin invitation is left (never made, or expired unused), a new one is made and printed. A still
/// valid one cannot be printed again (only its hash is stored), so it is left alone.
/// </summary>
internal sealed partial class IdentityBootstrap(IServiceProvider services, BootstrapOutput output, TimeProvider clock,
    IOptions<VaultOptions> options, ServerSecrets secrets, ILogger<IdentityBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A relative data directory depends on the working directory (dotnet run: the project's): say where it is.
        LogDataDirectory(logger, options.Value.FullDataDirectory);
        var endpoint = services.GetRequiredService<PublicEndpoint>();
        LogPublicUrl(logger, endpoint.Url);
        if (services.GetService<KeyEncryptionKey>() is null)
        {
            LogUnsealed(logger, secrets.KeysDirectory);
        }
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        await OAuthClients.EnsureAsync(provider, cancellationToken);

        var db = provider.GetRequiredService<VaultDbContext>();
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }
        // Without accounts only bootstrap invitations can exist, so this list is tiny.
        var now = clock.GetUtcNow();
        var pending = (await db.Invitations.AsNoTracking()
                .Where(i => i.Role == Roles.Admin && i.FamilyId == null && i.UsedAt == null)
                .Select(i => i.ExpiresAt).ToListAsync(cancellationToken))
            .Where(expires => expires > now).ToList();
        if (pending.Count > 0)
        {
            LogPending(logger, pending.Max());
            return;
        }
        var (_, code) = await provider.GetRequiredService<InvitationService>()
            .CreateAsync(Roles.Admin, createdBy: null, validForHours: null, familyId: null, dateOfBirth: null, cancellationToken);
        output.WriteAdminInvitation(code);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory: {Path}")]
    private static partial void LogDataDirectory(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Public URL (issuer): {Url}")]
    private static partial void LogPublicUrl(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No key-encryption key configured: the server's keys in {Path} are stored unsealed " +
        "(mode 0600). Acceptable only for the embedded default on 127.0.0.1; elsewhere set Vault:KeyEncryptionKeyFile.")]
    private static partial void LogUnsealed(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "No account exists yet; the admin invitation printed earlier is valid until {ExpiresAt:u}. Restart after then for a new one.")]
    private static partial void LogPending(ILogger logger, DateTimeOffset expiresAt);
}
