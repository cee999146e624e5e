using System.Collections.Concurrent;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;

namespace Vault.Server.Tests;

/// <summary>
/// The people of a test, each a real SDK client on its own device against a real server: an admin, and accounts
/// made the way production makes them (admin invitations for professionals, family invitations for the family).
/// </summary>
public sealed class Cast(VaultServer server)
{
    public const string Passphrase = "een lange zin als wachtwoord";
    private VaultClient? admin;

    public VaultServer Server => server;

    /// <summary>The TOTP secret of every account registered with one (professionals, admin), by user id.</summary>
    public ConcurrentDictionary<Guid, string> TotpSecrets { get; } = new();

    public async Task<VaultClient> AdminAsync()
    {
        if (admin is null)
        {
            admin = server.NewClient();
            var registered = await admin.AcceptInvitationAsync(server.AdminInvitation, "admin", Passphrase, "laptop");
            await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, VaultServer.TotpCode(registered.Totp!.Secret));
            TotpSecrets[registered.UserId] = registered.Totp.Secret;
        }
        return admin;
    }

    /// <summary>An account invited by the admin (professionals, privacy officer), signed in on its first device.</summary>
    public async Task<VaultClient> AccountAsync(string role, string username)
    {
        var invitation = await (await AdminAsync()).CreateInvitationAsync(role);
        return await RegisterAsync(invitation.Code, username);
    }

    /// <summary>Someone invited into a family by one of its members; they register with the code and are a member at once.</summary>
    public async Task<VaultClient> FamilyMemberAsync(VaultClient inviter, Guid familyId, string role, string username, DateOnly? born = null)
    {
        var invitation = await inviter.InviteToFamilyAsync(familyId, role, born);
        return await RegisterAsync(invitation.Code, username);
    }

    /// <summary>An existing account joins a family with a code.</summary>
    public static async Task JoinAsync(VaultClient inviter, VaultClient invitee, Guid familyId, string role) =>
        await invitee.AcceptFamilyInvitationAsync((await inviter.InviteToFamilyAsync(familyId, role)).Code);

    public async Task<VaultClient> RegisterAsync(string code, string username)
    {
        var client = server.NewClient();
        var registered = await client.AcceptInvitationAsync(code, username, Passphrase, "phone");
        await client.LoginAsync(username, Passphrase, registered.DeviceId, client.Session!.Device,
            registered.Totp is { } totp ? VaultServer.TotpCode(totp.Secret) : null);
        if (registered.Totp is { } enrolled)
        {
            TotpSecrets[registered.UserId] = enrolled.Secret;
        }
        return client;
    }

    /// <summary>A coordinator opens a family; a guardian joins it by invitation.</summary>
    public async Task<(Guid FamilyId, VaultClient Coordinator, VaultClient Guardian)> FamilyAsync(string suffix = "")
    {
        var coordinator = await AccountAsync(Roles.Coordinator, "coordinator" + suffix);
        var family = await coordinator.CreateFamilyAsync(new CreateFamilyRequest("KG-2026-" + suffix + "1", "GM0363",
            new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 1)));
        var guardian = await FamilyMemberAsync(coordinator, family.Id, Roles.Guardian, "moeder" + suffix);
        return (family.Id, coordinator, guardian);
    }

    /// <summary>The usual first channel: the guardian opens it with the coordinator (kennismaking) and others.</summary>
    public static Task<Vault.Contracts.Messaging.ChannelResponse> IntroChannelAsync(VaultClient guardian, Guid familyId,
        params VaultClient[] members) =>
        guardian.CreateChannelAsync(familyId, "kennismaking", members.Select(m =>
            new ChannelMember(m.Session!.UserId, Permissions.Write, "begeleiding van het gezin")).ToList());
}
