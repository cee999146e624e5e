using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>Issues and redeems one-time invitation codes (160 random bits, base32; stored only as SHA-256).</summary>
public sealed class InvitationService(VaultDbContext db, TimeProvider clock, IOptions<VaultOptions> options)
{
    public async Task<(Invitation Invitation, string Code)> CreateAsync(string role, Guid? createdBy, int? validForHours,
        Guid? familyId, DateOnly? dateOfBirth, CancellationToken ct)
    {
        var code = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(20));
        var now = clock.GetUtcNow();
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(),
            CodeHash = Hash(code),
            Role = role,
            CreatedBy = createdBy,
            CreatedAt = now,
            ExpiresAt = now.AddHours(validForHours ?? options.Value.Invitations.DefaultValidForHours),
            FamilyId = familyId,
            DateOfBirth = dateOfBirth,
        };
        db.Invitations.Add(invitation);
        await db.SaveChangesAsync(ct);
        return (invitation, code);
    }

    /// <summary>The invitation a code names if it could be redeemed now; changes nothing.</summary>
    public async Task<Invitation?> PeekAsync(string? code, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 128)
        {
            return null;
        }
        var hash = Hash(code);
        var invitation = await db.Invitations.AsNoTracking().FirstOrDefaultAsync(i => i.CodeHash == hash, ct);
        return invitation is null || invitation.UsedAt is not null || invitation.ExpiresAt <= clock.GetUtcNow() ? null : invitation;
    }

    /// <summary>
    /// Marks the invitation used if it is unused and unexpired, atomically (two redemptions of one code: one wins).
    /// Call inside the registration transaction so a failed registration leaves the invitation usable.
    /// </summary>
    public async Task<Invitation?> RedeemAsync(string? code, Guid userId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 128)
        {
            return null;
        }
        var hash = Hash(code);
        var now = clock.GetUtcNow();
        var invitation = await db.Invitations.AsNoTracking().FirstOrDefaultAsync(i => i.CodeHash == hash, ct);
        if (invitation is null || invitation.UsedAt is not null || invitation.ExpiresAt <= now)
        {
            return null;
        }
        var claimed = await db.Invitations
            .Where(i => i.Id == invitation.Id && i.UsedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.UsedAt, now).SetProperty(i => i.UsedBy, userId), ct);
        return claimed == 1 ? invitation : null;
    }

    // Codes are case-insensitive and may be typed with spaces or dashes.
    private static byte[] Hash(string code) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(code.Replace("-", "", StringComparison.Ordinal)
            .Replace(" ", "", StringComparison.Ordinal).Trim().ToUpperInvariant()));
}
