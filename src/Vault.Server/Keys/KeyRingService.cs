using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.KeyRings;
using Vault.Crypto;
using Vault.Server.Data;
using Vault.Server.Infrastructure;

namespace Vault.Server.Keys;

/// <summary>
/// Checks uploaded wraps: each names someone who may read the scope now (deny by default), is 80 bytes, and is signed
/// by the uploading device over family, scope, epoch and recipient. A new epoch must cover every reader's devices and
/// identity key, so nobody entitled is locked out by a rotation.
/// </summary>
public sealed class KeyRingService(VaultDbContext db, TimeProvider clock)
{
    public async Task<(List<KeyWrapRecord>? Wraps, Problem? Problem)> ValidateAsync(Guid familyId, string scope, int epoch,
        IReadOnlyList<KeyWrapUpload>? uploads, Actor wrapper, IReadOnlyList<RecipientInfo> readers, bool requireComplete,
        CancellationToken ct, IReadOnlyCollection<Guid>? mustCover = null)
    {
        if (uploads is not { Count: > 0 } || uploads.Count > 2000 || uploads.Any(u => u is null))
        {
            return (null, Problem.Validation("Between 1 and 2000 wraps are required."));
        }
        var signingKey = await db.Devices.AsNoTracking().Where(d => d.Id == wrapper.DeviceId && d.RevokedAt == null)
            .Select(d => d.SigningKey).FirstOrDefaultAsync(ct);
        if (signingKey is null)
        {
            return (null, Problem.Forbidden);
        }
        var allowed = Recipients.RequiredWraps(readers);
        var seen = new HashSet<(Guid, Guid)>();
        var now = clock.GetUtcNow();
        var records = new List<KeyWrapRecord>(uploads.Count);
        foreach (var upload in uploads)
        {
            var key = (upload.RecipientUserId, upload.RecipientDeviceId ?? Guid.Empty);
            if (upload.WrappedKey is not { Length: KeyWrap.WrappedBytes } || upload.Signature is not { Length: DeviceKeys.SignatureBytes })
            {
                return (null, new Problem(400, ProblemTypes.MalformedKey, "A wrapped key is 80 bytes and its signature 64."));
            }
            if (!allowed.Contains(key))
            {
                return (null, new Problem(403, ProblemTypes.NoConsent, "A wrap names a device or user that may not read this scope."));
            }
            if (!seen.Add(key))
            {
                return (null, Problem.Validation("A recipient appears twice."));
            }
            var statement = KeyWrap.Statement(familyId, scope, epoch, upload.RecipientUserId, upload.RecipientDeviceId, upload.WrappedKey);
            if (!DeviceKeys.Verify(upload.Signature, statement, signingKey))
            {
                return (null, new Problem(400, ProblemTypes.InvalidSignature, "A wrap's signature does not verify with your device key."));
            }
            records.Add(new KeyWrapRecord
            {
                FamilyId = familyId, Scope = scope, Epoch = epoch, RecipientUserId = key.RecipientUserId,
                RecipientDeviceId = key.Item2, WrappedKey = upload.WrappedKey, WrapperUserId = wrapper.UserId,
                WrapperDeviceId = wrapper.DeviceId!.Value, Signature = upload.Signature, CreatedAt = now,
            });
        }
        var required = mustCover is null ? allowed : Recipients.RequiredWraps(readers.Where(r => mustCover.Contains(r.UserId)));
        if (requireComplete && !required.IsSubsetOf(seen))
        {
            return (null, new Problem(409, ProblemTypes.IncompleteWraps,
                "A new epoch must be wrapped for every device and identity key that may read the scope: fetch the recipients again."));
        }
        return (records, null);
    }

    public static KeyWrapInfo ToInfo(KeyWrapRecord w) => new(w.Epoch, w.RecipientUserId,
        w.RecipientDeviceId == Guid.Empty ? null : w.RecipientDeviceId, w.WrappedKey, w.WrapperUserId, w.WrapperDeviceId, w.Signature);
}
