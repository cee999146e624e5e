using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>`vault devices ...`, `vault fingerprint`, `vault invite create`.</summary>
internal sealed partial class Context
{
    public async Task<int> ListDevices(bool json)
    {
        var (p, client) = await SignedIn();
        var devices = (await client.ListDevicesAsync()).Select(d => new DeviceJson(d.Id, d.Name, d.CreatedAt, d.RevokedAt, d.Id == p.DeviceId)).ToList();
        if (json)
        {
            WriteJson(devices);
            return 0;
        }
        Table([Say("ID", "ID"), Say("NAME", "NAAM"), Say("ADDED", "TOEGEVOEGD"), Say("STATE", "STATUS")],
            devices.Select(d => new[]
            {
                d.Id.ToString(), d.Name, OnDay(d.CreatedAt),
                (d.RevokedAt is { } at ? Say($"revoked {AtMinute(at)}", $"ingetrokken {AtMinute(at)}") : Say("active", "actief")) +
                (d.ThisDevice ? Say(" (this device)", " (dit apparaat)") : ""),
            }));
        return 0;
    }

    public async Task<int> Revoke(Guid id)
    {
        var (_, client) = await SignedIn();
        await client.RevokeDeviceAsync(id);
        stdout.WriteLine($"Device {id} revoked.");
        return 0;
    }

    public async Task<int> CreateInvitation(string role, int? hours, bool json)
    {
        var (_, client) = await SignedIn();
        var invitation = await client.CreateInvitationAsync(role, hours);
        if (json)
        {
            WriteJson(invitation); // id, code, role, expiresAt
            return 0;
        }
        // The code alone on standard output, so a script can take it: CODE=$(vault invite create --role coordinator).
        stderr.WriteLine($"Invitation for a {invitation.Role}, valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC; hand this code over " +
            "(they run `vault invite accept --server URL --code CODE --username NAME`):");
        stdout.WriteLine(invitation.Code);
        stderr.WriteLine(NextHints.AfterInviteCreate(invitation.Role)); // stdout ends with the code: scripts take its last line
        return 0;
    }

    public async Task<int> Fingerprint(Guid? user, bool json)
    {
        var p = Stored();
        if (user is null)
        {
            var mine = SafetyNumber.Fingerprint(p.IdentitySigningPublicKey, p.IdentityBoxPublicKey);
            if (json)
            {
                WriteJson(new FingerprintJson(new Who(p.UserId, p.Username), mine, null));
                return 0;
            }
            stdout.WriteLine(mine);
            return 0;
        }
        var (_, client) = await SignedIn();
        var keys = await client.GetUserKeysAsync(user.Value);
        var theirs = VaultClient.FingerprintOf(keys);
        if (json)
        {
            WriteJson(new FingerprintJson(new Who(user.Value, keys.Username), theirs, SafetyNumber.ForPair(client.Session!.Fingerprint, theirs)));
            return 0;
        }
        stdout.WriteLine($"{keys.Username}: {theirs}");
        stdout.WriteLine($"Safety number (compare with {keys.Username}): {SafetyNumber.ForPair(client.Session!.Fingerprint, theirs)}");
        return 0;
    }
}

/// <summary>What `vault devices list --json` prints per device (camelCase; add fields, never rename one).</summary>
internal sealed record DeviceJson(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, bool ThisDevice);

/// <summary>What `vault fingerprint --json` prints: whose fingerprint, and with --user the safety number with them.</summary>
internal sealed record FingerprintJson(Who User, string Fingerprint, string? SafetyNumber);
