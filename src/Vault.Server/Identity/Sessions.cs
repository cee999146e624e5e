using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Vault.Server.Identity;

/// <summary>
/// Ends a user's sessions by revoking their tokens in OpenIddict's store. Refresh tokens are checked there on
/// redemption and access tokens on every request (token entry validation), so a revoked session stops at once.
/// </summary>
internal static class Sessions
{
    /// <summary>Revokes every valid token of the user except those of <paramref name="keepAuthorizationId"/>.</summary>
    /// <remarks>
    /// A login creates one ad-hoc authorization that its access and (rolling) refresh tokens share, so keeping the
    /// caller's authorization keeps exactly the caller's session.
    /// </remarks>
    public static async Task<int> RevokeAllExceptAsync(IOpenIddictTokenManager tokens, Guid userId, string? keepAuthorizationId,
        CancellationToken ct)
    {
        var doomed = new List<object>();
        await foreach (var token in tokens.FindBySubjectAsync(userId.ToString(), ct))
        {
            if (keepAuthorizationId is not null &&
                string.Equals(await tokens.GetAuthorizationIdAsync(token, ct), keepAuthorizationId, StringComparison.Ordinal))
            {
                continue;
            }
            if (await tokens.HasStatusAsync(token, Statuses.Valid, ct))
            {
                doomed.Add(token);
            }
        }
        // Collected first: revoking writes through the same context the enumeration reads from.
        foreach (var token in doomed)
        {
            await tokens.TryRevokeAsync(token, ct);
        }
        return doomed.Count;
    }
}
