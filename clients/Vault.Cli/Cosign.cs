using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// `vault cosign`: a child of 12 to 15 (or another signer a grant awaits) adds their signature on this device, after
/// being shown what the grant says. Without it a grant about a child stays pending for good.
/// </summary>
internal sealed partial class Context
{
    public async Task<int> Cosign(Guid familyId, Guid grantId, bool json)
    {
        var (p, client) = await SignedIn();
        var pending = (await client.ListGrantsAsync(familyId)).FirstOrDefault(g => g.Grant.GrantId == grantId)
            ?? throw new CliException("This family has no grant with that id.", hint: "`vault grants --family ID` lists the grants.");
        if (pending.Status != GrantStatus.Pending || !pending.AwaitingSignatureFrom.Contains(p.UserId))
        {
            throw new CliException(pending.Status == GrantStatus.Pending
                ? "This grant does not await your signature: nothing was signed."
                : $"This grant is {pending.Status}, not awaiting a signature: nothing was signed.",
                hint: "`vault grants --family ID` shows each grant's state.");
        }
        var signed = await client.CoSignGrantAsync(pending.Grant);
        var view = await GrantViewAsync(client, familyId, signed);
        if (json)
        {
            WriteJson(view);
            return 0;
        }
        var scope = view.ScopeName is { } name ? Say($"channel \"{name}\"", $"kanaal \"{name}\"") : signed.Grant.Scope;
        stdout.WriteLine(Say($"You signed: {view.Grantee.Name} may {signed.Grant.Permission} {scope} " +
                             $"(purpose: {signed.Grant.Purpose}). The grant is now {signed.Status}.",
            $"Je hebt ondertekend: {view.Grantee.Name} mag {scope} " +
            $"{(signed.Grant.Permission == Vault.Contracts.Permissions.Write ? "schrijven" : "lezen")} (doel: {signed.Grant.Purpose}). " +
            $"De toestemming is nu {signed.Status}."));
        stdout.WriteLine(NextHints.AfterGrant(familyId, signed.Grant.Scope, signed.Grant.Permission, signed.Status));
        return 0;
    }
}
