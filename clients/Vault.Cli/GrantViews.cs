using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Cli;

/// <summary>
/// A grant as `vault grants|grant|channel add-member --json` print it (camelCase; add fields, never rename one): the
/// grantee's and signers' usernames, and for a channel:ID scope the channel's name as decrypted on this device
/// (scopeName; null when this device holds no key for it). validUntil is null for a grant until withdrawn.
/// </summary>
internal sealed record GrantJson(Guid Id, Guid FamilyId, string Status, Who Grantee, string Scope, string? ScopeName, string Permission,
    string Purpose, string LegalBasis, Who? Subject, DateTimeOffset ValidFrom, DateTimeOffset? ValidUntil,
    IReadOnlyList<Who> AwaitingSignatureFrom, DateTimeOffset CreatedAt, DateTimeOffset? WithdrawnAt, string? WithdrawalReason);

/// <summary>The signed withdrawal receipt as `vault withdraw --json` prints it, with names; verified before it is shown.</summary>
internal sealed record WithdrawalJson(Guid GrantId, Guid FamilyId, Who Grantee, string Scope, DateTimeOffset WithdrawnAt, Who WithdrawnBy,
    long AccessedCount, IReadOnlyList<AccessedItem> Accessed, long TreeSize, byte[] RootHash)
{
    /// <summary>Where the signed receipt was saved (`vault receipt verify FILE` checks it offline).</summary>
    public string? ReceiptFile { get; init; }
}

internal sealed partial class Context
{
    private static async Task<List<GrantJson>> GrantViewsAsync(VaultClient client, Guid familyId, IReadOnlyList<GrantResponse> grants)
    {
        var names = await UsernamesAsync(client, grants.SelectMany(g =>
            new[] { g.Grant.GranteeUserId }.Concat(g.AwaitingSignatureFrom).Concat(g.Grant.SubjectUserId is { } s ? [s] : [])));
        var channels = grants.Any(g => ChannelOf(g.Grant.Scope) is not null) ? await ChannelNamesAsync(client, familyId) : [];
        return grants.Select(r =>
        {
            var g = r.Grant;
            return new GrantJson(g.GrantId, g.FamilyId, r.Status, Who.Of(g.GranteeUserId, names), g.Scope,
                ChannelOf(g.Scope) is { } channel ? channels.GetValueOrDefault(channel) : null, g.Permission, g.Purpose, g.LegalBasis,
                g.SubjectUserId is { } subject ? Who.Of(subject, names) : null, DateTimeOffset.FromUnixTimeMilliseconds(g.ValidFromUnixMs),
                g.ValidUntilUnixMs == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(g.ValidUntilUnixMs),
                r.AwaitingSignatureFrom.Select(u => Who.Of(u, names)).ToList(), r.CreatedAt, r.WithdrawnAt, r.WithdrawalReason);
        }).ToList();
    }

    private static async Task<GrantJson> GrantViewAsync(VaultClient client, Guid familyId, GrantResponse grant) =>
        (await GrantViewsAsync(client, familyId, [grant]))[0];

    private static async Task<WithdrawalJson> WithdrawalViewAsync(VaultClient client, WithdrawalReceipt r)
    {
        var names = await UsernamesAsync(client, [r.GranteeUserId, r.WithdrawnBy]);
        return new WithdrawalJson(r.GrantId, r.FamilyId, Who.Of(r.GranteeUserId, names), r.Scope, r.WithdrawnAt, Who.Of(r.WithdrawnBy, names),
            r.AccessedCount, r.Accessed, r.TreeSize, r.RootHash);
    }

    private static Guid? ChannelOf(string scope) =>
        scope.StartsWith(ConsentScopes.ChannelPrefix, StringComparison.Ordinal) && Guid.TryParse(scope[ConsentScopes.ChannelPrefix.Length..], out var id)
            ? id : null;

    /// <summary>The names of the family's channels this device can decrypt; none when the caller may not list them.</summary>
    private static async Task<Dictionary<Guid, string?>> ChannelNamesAsync(VaultClient client, Guid familyId)
    {
        try
        {
            return (await client.ListChannelsAsync(familyId)).ToDictionary(c => c.Channel.Id, c => c.Name);
        }
        catch (VaultApiException)
        {
            return [];
        }
    }
}
