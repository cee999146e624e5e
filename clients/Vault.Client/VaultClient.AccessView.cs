using Vault.Contracts;
using Vault.Contracts.Audit;

namespace Vault.Client;

public sealed partial class VaultClient
{
    /// <summary>
    /// The family's own access view (NEN 7513): reads the family's whole trail page by page, verifies every page's
    /// signed head with the pinned audit key (consistent with <paramref name="lastSeen"/>), every inclusion proof and,
    /// for a guardian, that the family's sequence numbers run 1..N without a gap; then returns the entries that match
    /// <paramref name="filter"/>, newest first, in plain words. A child sees its own part (the view says it is
    /// partial). When verification fails no entries are returned: an unverified list could be a forged one.
    /// </summary>
    public async Task<AccessView> ReadAccessViewAsync(Guid familyId, AccessViewFilter? filter = null, SignedTreeHeadDto? lastSeen = null,
        CancellationToken ct = default)
    {
        filter ??= new AccessViewFilter();
        var partial = (await GetFamilyAsync(familyId, ct)).MyRole == Roles.Child;
        var matching = new List<AuditEntryDto>();
        var verification = await WalkAuditAsync(familyId, lastSeen, partial, e =>
        {
            if (AccessViews.Matches(e.Entry, filter))
            {
                matching.Add(e.Entry);
            }
        }, ct);
        if (!verification.Ok)
        {
            return new AccessView(verification, partial, []);
        }
        var names = await NamesAsync(familyId, ct);
        return new AccessView(verification, partial, matching.OrderByDescending(e => e.TimeUnixMs).ThenByDescending(e => e.Index)
            .Select(e => AccessViews.ToEntry(e, names)).ToList());
    }

    /// <summary>Member and channel names where the caller may read them; ids stand in for the rest.</summary>
    private async Task<AccessNames> NamesAsync(Guid familyId, CancellationToken ct)
    {
        var members = new Dictionary<Guid, (string, string)>();
        var channels = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var m in await ListMembersAsync(familyId, ct))
            {
                members[m.UserId] = (m.Username, m.Role);
            }
        }
        catch (VaultApiException)
        {
            // no grant on the member list: roles still show
        }
        try
        {
            foreach (var c in await ListChannelsAsync(familyId, ct))
            {
                if (c.Name is { } name)
                {
                    channels[ConsentScopes.Channel(c.Channel.Id)] = name;
                }
            }
        }
        catch (Exception e) when (e is VaultApiException or EpochKeyUnavailableException or System.Security.Cryptography.CryptographicException)
        {
            // a channel whose name this device cannot open shows by its id
        }
        return new AccessNames(members, channels);
    }
}
