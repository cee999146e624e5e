using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vault.Contracts;
using Vault.Contracts.Identity;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// Step one of login: the Argon2id parameters for a username. An unknown username gets the same shape with a
/// salt derived from a server secret, so it is stable per name and an outsider cannot tell whether the account
/// exists.
/// </summary>
internal static partial class PreLogin
{
    public static void MapPreLogin(this IEndpointRouteBuilder app) =>
        app.MapPost("/auth/prelogin", Handle).AllowAnonymous().WithTags("Identity")
            .WithSummary("Argon2id parameters for a username (fake but stable for unknown names).");

    private static async Task<IResult> Handle(PreLoginRequest request, VaultDbContext db, ServerSecrets secrets,
        IOptions<VaultOptions> options, CancellationToken ct)
    {
        var username = Normalize(request.Username ?? "");
        if (!IsValidUsername(username))
        {
            return Problems.Validation("A username is 3 to 64 characters: a-z, 0-9 and . _ @ -");
        }
        var normalized = username.ToUpperInvariant();
        var user = await db.Users.AsNoTracking()
            .Where(u => u.NormalizedUserName == normalized)
            .Select(u => new { u.KdfSalt, u.KdfOpsLimit, u.KdfMemLimitBytes })
            .FirstOrDefaultAsync(ct);
        return user is not null
            ? TypedResults.Ok(new PreLoginResponse(KdfParameters.Algorithm, user.KdfOpsLimit, user.KdfMemLimitBytes, user.KdfSalt))
            : TypedResults.Ok(new PreLoginResponse(KdfParameters.Algorithm, options.Value.Kdf.OpsLimit,
                options.Value.Kdf.MemLimitBytes, FakeSalt(secrets.PreLoginSecret, username)));
    }

    public static byte[] FakeSalt(byte[] secret, string username) =>
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes("vault.prelogin.v1|" + username))[..KdfParameters.SaltBytes];

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public static bool IsValidUsername(string username) => UsernamePattern().IsMatch(username);

    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{2,63}$")]
    private static partial Regex UsernamePattern();
}
