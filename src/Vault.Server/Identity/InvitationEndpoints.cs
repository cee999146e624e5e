using System.Security.Claims;
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

/// <summary>Registers the first-party OAuth client and, on an empty database, invites the first admin.</summary>
internal sealed class IdentityBootstrap(IServiceProvider services, BootstrapOutput output) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        await OAuthClients.EnsureAsync(provider, cancellationToken);

        var db = provider.GetRequiredService<VaultDbContext>();
        if (!db.Users.Any() && !db.Invitations.Any())
        {
            var (_, code) = await provider.GetRequiredService<InvitationService>()
                .CreateAsync(Roles.Admin, createdBy: null, validForHours: null, familyId: null, dateOfBirth: null, cancellationToken);
            output.WriteAdminInvitation(code);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
