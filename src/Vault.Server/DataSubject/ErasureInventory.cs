using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.Data;

namespace Vault.Server.DataSubject;

/// <summary>
/// What an erasure will destroy, counted and hashed before anything goes: per part, the number of items and SHA-256
/// over their identifiers, one per line ("id\n"), in a fixed order (security/data-subject.md). Taken once, at the first
/// phase, and kept with the erasure, so a resumed erasure states the same as one that ran straight through. Also names
/// the accounts that go with the family: those of its guardians, children and network with no other family.
/// </summary>
internal sealed record ErasureInventory(IReadOnlyList<ErasedPart> Parts, IReadOnlyList<Guid> Accounts)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] FamilySideRoles = [Roles.Guardian, Roles.Child, Roles.Network];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ErasureInventory FromJson(string json) =>
        JsonSerializer.Deserialize<ErasureInventory>(json, Json) ?? throw new InvalidOperationException("An erasure's inventory is unreadable.");

    public static async Task<ErasureInventory> TakeAsync(VaultDbContext db, Guid familyId, CancellationToken ct)
    {
        var accounts = await db.Memberships.AsNoTracking()
            .Where(m => m.FamilyId == familyId && FamilySideRoles.Contains(m.Role)
                        && !db.Memberships.Any(o => o.UserId == m.UserId && o.FamilyId != familyId))
            .Select(m => m.UserId).OrderBy(id => id).ToListAsync(ct);
        var uploads = db.DocumentUploads.AsNoTracking().Where(u => u.FamilyId == familyId);
        // Messages through the family's channels: their key starts with the channel (FamilyId on a message has no index).
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).Select(c => c.Id).ToListAsync(ct);
        // Rows are read as values and formatted here, so the identifiers (and hashes) are the same on every engine.
        var parts = new List<ErasedPart>
        {
            await PartAsync("key-rings", db.KeyRings.AsNoTracking().Where(r => r.FamilyId == familyId).OrderBy(r => r.Scope)
                .Select(r => r.Scope), s => s, ct),
            await PartAsync("key-wraps", db.KeyWraps.AsNoTracking().Where(w => w.FamilyId == familyId)
                .OrderBy(w => w.Scope).ThenBy(w => w.Epoch).ThenBy(w => w.RecipientDeviceId)
                .Select(w => new { w.Scope, w.Epoch, w.RecipientDeviceId }), w => $"{w.Scope}/{w.Epoch}/{w.RecipientDeviceId}", ct),
            await PartAsync("channels", db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId).OrderBy(c => c.Id)
                .Select(c => c.Id), id => id.ToString(), ct),
            await PartAsync("messages", db.Messages.AsNoTracking().Where(m => channels.Contains(m.ChannelId))
                .OrderBy(m => m.ChannelId).ThenBy(m => m.Seq).Select(m => new { m.ChannelId, m.Seq }), m => $"{m.ChannelId}/{m.Seq}", ct),
            await PartAsync("documents", db.Documents.AsNoTracking().Where(d => d.FamilyId == familyId).OrderBy(d => d.Id)
                .Select(d => d.Id), id => id.ToString(), ct),
            await PartAsync("document-versions", db.DocumentVersions.AsNoTracking().Where(v => v.FamilyId == familyId)
                .OrderBy(v => v.DocumentId).ThenBy(v => v.Version).Select(v => new { v.DocumentId, v.Version, v.ContentHash }),
                v => $"{v.DocumentId}/{v.Version}/{Convert.ToHexStringLower(v.ContentHash)}", ct),
            await PartAsync("objects", db.UploadSegments.AsNoTracking().Where(s => uploads.Any(u => u.Id == s.UploadId))
                .OrderBy(s => s.UploadId).ThenBy(s => s.Offset).Select(s => new { s.UploadId, s.Id, s.Length }),
                s => $"{Documents.UploadSegment.BlobKey(s.UploadId, s.Id)}/{s.Length}", ct),
            await PartAsync("grants", db.Grants.AsNoTracking().Where(g => g.FamilyId == familyId).OrderBy(g => g.Id)
                .Select(g => g.Id), id => id.ToString(), ct),
            await PartAsync("memberships", db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId).OrderBy(m => m.UserId)
                .Select(m => new { m.UserId, m.Role }), m => $"{m.UserId}/{m.Role}", ct),
            await PartAsync("audit-entries", db.AuditEntries.AsNoTracking().Where(e => e.FamilyId == familyId).OrderBy(e => e.Index)
                .Select(e => e.Index), i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct),
            Part("accounts", accounts.Select(a => a.ToString())),
        };
        return new ErasureInventory(parts, accounts);
    }

    private static async Task<ErasedPart> PartAsync<T>(string name, IQueryable<T> rows, Func<T, string> id, CancellationToken ct)
    {
        var part = new PartHash(name);
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            part.Add(id(row));
        }
        return part.Done();
    }

    private static ErasedPart Part(string name, IEnumerable<string> ids)
    {
        var part = new PartHash(name);
        foreach (var id in ids)
        {
            part.Add(id);
        }
        return part.Done();
    }

    /// <summary>A part's count and SHA-256 over its identifiers, one per line ("id\n").</summary>
    private sealed class PartHash(string name)
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long count;

        public void Add(string id)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(id + "\n"));
            count++;
        }

        public ErasedPart Done()
        {
            using (hash)
            {
                return new ErasedPart(name, count, Convert.ToHexStringLower(hash.GetHashAndReset()));
            }
        }
    }
}
