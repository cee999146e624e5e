using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>`vault devices ...`, `vault fingerprint`, `vault invite create`.</summary>
internal sealed partial class Context
{
    public async Task<int> ListDevices()
    {
        var (p, client) = await SignedIn();
        foreach (var d in await client.ListDevicesAsync())
        {
            var state = d.RevokedAt is null ? "active" : $"revoked {d.RevokedAt:yyyy-MM-dd HH:mm}";
            var self = d.Id == p.DeviceId ? " (this device)" : "";
            stdout.WriteLine($"{d.Id}  {d.Name,-20} {d.CreatedAt:yyyy-MM-dd}  {state}{self}");
        }
        return 0;
    }

    public async Task<int> Revoke(Guid id)
    {
        var (_, client) = await SignedIn();
        await client.RevokeDeviceAsync(id);
        stdout.WriteLine($"Device {id} revoked.");
        return 0;
    }

    public async Task<int> CreateInvitation(string role, int? hours)
    {
        var (_, client) = await SignedIn();
        var invitation = await client.CreateInvitationAsync(role, hours);
        stdout.WriteLine($"Invitation for {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC:");
        stdout.WriteLine(invitation.Code);
        stderr.WriteLine(NextHints.AfterInviteCreate(invitation.Role)); // stdout ends with the code: scripts take its last line
        return 0;
    }

    public async Task<int> Fingerprint(Guid? user)
    {
        var p = Stored();
        if (user is null)
        {
            stdout.WriteLine(SafetyNumber.Fingerprint(p.IdentitySigningPublicKey, p.IdentityBoxPublicKey));
            return 0;
        }
        var (_, client) = await SignedIn();
        var keys = await client.GetUserKeysAsync(user.Value);
        var theirs = VaultClient.FingerprintOf(keys);
        stdout.WriteLine($"{keys.Username}: {theirs}");
        stdout.WriteLine($"Safety number (compare with {keys.Username}): {SafetyNumber.ForPair(client.Session!.Fingerprint, theirs)}");
        return 0;
    }
}
