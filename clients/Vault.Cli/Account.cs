using Vault.Client;
using Vault.Contracts;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>`vault whoami`, `vault logout`, `vault profile list`: which account this machine acts as, and ending that.</summary>
internal sealed partial class Context
{
    /// <summary>The profiles on this machine and the one this command works in.</summary>
    public required Profiles Profiles { get; init; }

    /// <summary>
    /// What the profile says, and what the server says about it when this device is signed in (role, device name). A
    /// session the server ended, or a server that cannot be reached, is reported, not a failure: this is a status.
    /// </summary>
    public async Task<int> Whoami(bool json)
    {
        var p = Stored();
        string? role = null, deviceName = null, state;
        bool? secondFactor = null;
        var signedIn = false;
        if (p.RefreshToken is null)
        {
            state = "no: run `vault login`";
        }
        else
        {
            try
            {
                var (_, client) = await SignedIn();
                var account = await client.GetAccountAsync();
                (role, secondFactor) = (account.Role, account.TotpEnabled);
                deviceName = (await client.ListDevicesAsync()).FirstOrDefault(d => d.Id == p.DeviceId)?.Name;
                (signedIn, state) = (true, "yes");
            }
            // A refresh token the server no longer takes (a passphrase change elsewhere) answers invalid-credentials.
            catch (VaultApiException e) when (e.ProblemType is ProblemTypes.Unauthorized or ProblemTypes.InvalidCredentials
                                                  or ProblemTypes.DeviceRevoked)
            {
                state = e.ProblemType == ProblemTypes.DeviceRevoked
                    ? "no: this device was revoked" : "no: the session has ended, run `vault login`";
            }
            catch (HttpRequestException)
            {
                state = "unknown: the server cannot be reached";
            }
        }
        var fingerprint = SafetyNumber.Fingerprint(p.IdentitySigningPublicKey, p.IdentityBoxPublicKey);
        var auditKey = p.AuditKey is null ? null : ReceiptFile.KeyId(p.AuditKey);
        if (json)
        {
            WriteJson(new WhoamiJson(Profiles.CurrentName, Profiles.Home, p.Server, p.Username, p.UserId, role, secondFactor, p.DeviceId,
                deviceName, signedIn, state, fingerprint, auditKey));
            return ExitCodes.Ok;
        }
        stdout.WriteLine($"Profile:     {Profiles.CurrentName} ({Profiles.Home})");
        stdout.WriteLine($"Server:      {p.Server}");
        stdout.WriteLine($"Username:    {p.Username}");
        stdout.WriteLine($"User id:     {p.UserId}");
        stdout.WriteLine($"Role:        {role ?? "(known when signed in)"}" + (secondFactor is true ? ", second factor on" : ""));
        stdout.WriteLine($"Device:      {p.DeviceId}{(deviceName is null ? "" : $" ({deviceName})")}");
        stdout.WriteLine($"Signed in:   {state}");
        stdout.WriteLine($"Fingerprint: {fingerprint}");
        stdout.WriteLine($"Audit key:   {auditKey ?? "not pinned yet (`vault audit verify` pins it)"}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Signs this device out: the server revokes its tokens (a copy stops working at once), and the device forgets them.
    /// The device keys stay, so `vault login` works again. When the server cannot be told, the tokens are still
    /// forgotten here and the user is told what that leaves.
    /// </summary>
    public async Task<int> Logout()
    {
        var p = Stored();
        if (p.AccessToken is null && p.RefreshToken is null)
        {
            stdout.WriteLine($"This device of {p.Username} is not signed in: nothing to forget.");
            return ExitCodes.Ok;
        }
        string? notRevoked = null;
        try
        {
            await Resumed(p).LogoutAsync();
        }
        catch (Exception e) when (e is HttpRequestException or VaultApiException)
        {
            notRevoked = e is VaultApiException api ? api.Title ?? api.ProblemType : "the server cannot be reached";
        }
        (p with { AccessToken = null, RefreshToken = null }).Save(home);
        if (notRevoked is null)
        {
            stdout.WriteLine($"Signed out: {p.Server} revoked this device's tokens (a copy of them no longer works), and " +
                $"this device of {p.Username} forgot them.");
        }
        else
        {
            stdout.WriteLine($"This device of {p.Username} forgot its tokens, but the server did not revoke them ({notRevoked}): a copy " +
                "stays valid until it expires (the access token within minutes, the refresh token within days). To end every session " +
                "of the account now, run `vault passphrase change`; for a lost device, `vault devices revoke`.");
        }
        stdout.WriteLine(ForProfile("Your device keys stay on this machine. Next: `vault login` to sign in again."));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A hint's `vault ...` commands with this profile's --profile NAME: run without it, the next command would act
    /// as the default profile's account.
    /// </summary>
    private string ForProfile(string hint) =>
        Profiles.Current is null ? hint : hint.Replace("`vault ", $"`vault --profile {Profiles.Current} ", StringComparison.Ordinal);

    /// <summary>A profile name suggested for an account: its username where that is a valid name.</summary>
    private static string ProfileNameFor(string username) => Profiles.IsValidName(username.Trim()) ? username.Trim() : "NAME";

    public Task<int> ProfileList(bool json)
    {
        var all = Profiles.All().ToList();
        if (json)
        {
            WriteJson(all.Select(a => new ProfileJson(a.Name, a.Home, a.Profile.Server, a.Profile.Username, a.Profile.UserId,
                a.Name == Profiles.CurrentName, a.Profile.RefreshToken is not null)).ToList());
            return Task.FromResult(ExitCodes.Ok);
        }
        if (all.Count == 0)
        {
            stdout.WriteLine($"No profiles in {Profiles.VaultHome}: `vault invite accept` or `vault login --server URL --username NAME` " +
                "makes one (add --profile NAME for a named one).");
            return Task.FromResult(ExitCodes.Ok);
        }
        stdout.WriteLine($"  {"PROFILE",-20} {"USERNAME",-24} {"SIGNED IN",-9}  SERVER");
        foreach (var (name, _, p) in all)
        {
            var mark = name == Profiles.CurrentName ? "*" : " ";
            stdout.WriteLine($"{mark} {name,-20} {p.Username,-24} {(p.RefreshToken is null ? "no" : "yes"),-9}  {p.Server}");
        }
        stdout.WriteLine("* the profile in use (--profile NAME or VAULT_PROFILE chooses another).");
        return Task.FromResult(ExitCodes.Ok);
    }

    private sealed record WhoamiJson(string Profile, string ProfileDirectory, string Server, string Username, Guid UserId, string? Role,
        bool? SecondFactor, Guid DeviceId, string? DeviceName, bool SignedIn, string State, string Fingerprint, string? AuditKeyId);

    private sealed record ProfileJson(string Name, string Directory, string Server, string Username, Guid UserId, bool Current, bool SignedIn);
}
