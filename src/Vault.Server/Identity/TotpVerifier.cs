using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Vault.Contracts.Identity;
using Vault.Server.Data;

namespace Vault.Server.Identity;

/// <summary>
/// RFC 6238 codes (Otp.NET: SHA-1, 6 digits, 30 s), one step of clock drift either way. Each accepted code
/// moves the user's last step forward, atomically in the database, so a code is never accepted twice.
/// </summary>
public sealed class TotpVerifier(VaultDbContext db, IDataProtectionProvider protection, TimeProvider clock)
{
    private const string Issuer = "Vault";
    private readonly IDataProtector protector = protection.CreateProtector("Vault.Identity.Totp.v1");

    public TotpEnrollment Enroll(VaultUser user, bool required)
    {
        var secret = KeyGeneration.GenerateRandomKey(20);
        user.TotpSecretProtected = protector.Protect(Base32Encoding.ToString(secret));
        user.TotpLastStep = 0;
        return Describe(user, required);
    }

    public TotpEnrollment Describe(VaultUser user, bool required)
    {
        var secret = protector.Unprotect(user.TotpSecretProtected!);
        var label = Uri.EscapeDataString($"{Issuer}:{user.UserName}");
        var uri = $"otpauth://totp/{label}?secret={secret}&issuer={Issuer}&algorithm=SHA1&digits=6&period=30";
        return new TotpEnrollment(secret, uri, required);
    }

    /// <summary>True once per valid code; a replayed or older code, or any malformed input, is false.</summary>
    public async Task<bool> VerifyAsync(VaultUser user, string? code, CancellationToken ct)
    {
        if (user.TotpSecretProtected is null || code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
        {
            return false;
        }
        var totp = new Totp(Base32Encoding.ToBytes(protector.Unprotect(user.TotpSecretProtected)));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, code, out var step, new VerificationWindow(1, 1)))
        {
            return false;
        }
        // Compare-and-set on the last step: of two concurrent logins with one code, only one wins.
        var updated = await db.Users
            .Where(u => u.Id == user.Id && u.TotpLastStep < step)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.TotpLastStep, step).SetProperty(u => u.TotpEnabled, true), ct);
        if (updated == 1)
        {
            user.TotpLastStep = step;
            user.TotpEnabled = true;
        }
        return updated == 1;
    }
}
