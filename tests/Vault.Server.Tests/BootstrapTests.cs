using System.Net;
using System.Net.Http.Json;
using Vault.Contracts;

namespace Vault.Server.Tests;

/// <summary>Until the first account exists, a restart makes sure a usable admin invitation exists.</summary>
public sealed class BootstrapTests
{
    private const string Passphrase = "de eerste beheerder";

    [Fact]
    public async Task Start_NoUsersAndAdminInvitationExpired_PrintsNewWorkingInvitation()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        string first;
        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            first = server.AdminInvitation;
            server.Sql("UPDATE Invitations SET ExpiresAt = @past", ("@past", DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        using var again = new VaultServer { DataDirectoryOverride = data };
        var second = again.AdminInvitation;
        Assert.NotEqual(first, second);
        using var http = again.NewHttp();
        var expired = await http.PostAsJsonAsync("/auth/register", Probe.Registration(first, "admin", Passphrase));
        await Probe.AssertProblemAsync(expired, HttpStatusCode.BadRequest, ProblemTypes.InvalidInvitation);
        var registered = await again.NewClient().AcceptInvitationAsync(second, "admin", Passphrase, "laptop");
        Assert.Equal(Roles.Admin, registered.Role);
    }

    [Fact]
    public async Task Start_AccountExists_NeverPrintsInvitation()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-tests", Guid.NewGuid().ToString("N"));
        using (var server = new VaultServer { DataDirectoryOverride = data, KeepData = true })
        {
            await server.NewClient().AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
        }

        using var again = new VaultServer { DataDirectoryOverride = data };
        Assert.Throws<InvalidOperationException>(() => again.AdminInvitation);
        Assert.Equal(0, Probe.Count(again, "SELECT COUNT(*) FROM Invitations WHERE UsedAt IS NULL"));
    }
}
