using System.Collections.Frozen;
using System.Data;
using Microsoft.EntityFrameworkCore;
using Vault.Contracts;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.Families;

namespace Vault.Server.Access;

/// <summary>
/// Everything an access decision about one family needs, read in one snapshot and never changed afterwards: who is a
/// member with which role, the activated and not withdrawn grants (whether one is in force depends on the clock, so
/// that is decided at use), the channels (whom each is about, archived or not), the key rings (epoch, stale), and the
/// unrevoked devices of the members. <see cref="Stamp"/> is the family's access stamp when it was read: whoever
/// changes any of this changes the stamp in the same transaction (<see cref="AccessStamps"/>), so a stamp that still
/// matches the database proves the state is current.
/// </summary>
public sealed class FamilyState
{
    public static readonly FamilyState Missing = new(Guid.Empty, Guid.Empty, exists: false, restricted: false, FrozenDictionary<Guid, MemberState>.Empty,
        FrozenDictionary<string, GrantState[]>.Empty, FrozenDictionary<Guid, ChannelState>.Empty,
        FrozenDictionary<string, RingState>.Empty, FrozenDictionary<Guid, DeviceState>.Empty);

    private FamilyState(Guid familyId, Guid stamp, bool exists, bool restricted, FrozenDictionary<Guid, MemberState> members,
        FrozenDictionary<string, GrantState[]> grants, FrozenDictionary<Guid, ChannelState> channels,
        FrozenDictionary<string, RingState> rings, FrozenDictionary<Guid, DeviceState> devices)
    {
        FamilyId = familyId;
        Stamp = stamp;
        Exists = exists;
        Restricted = restricted;
        Members = members;
        Grants = grants;
        Channels = channels;
        Rings = rings;
        Devices = devices;
    }

    public Guid FamilyId { get; }
    public Guid Stamp { get; }
    public bool Exists { get; }

    /// <summary>Restricted (AVG article 18): members may read; every write is refused with <see cref="Infrastructure.Problem.Restricted"/>.</summary>
    public bool Restricted { get; }

    /// <summary>Active members only.</summary>
    public FrozenDictionary<Guid, MemberState> Members { get; }

    /// <summary>Activated, not withdrawn grants by scope (in force or not: see <see cref="GrantState.IsInForce"/>).</summary>
    public FrozenDictionary<string, GrantState[]> Grants { get; }
    public FrozenDictionary<Guid, ChannelState> Channels { get; }
    public FrozenDictionary<string, RingState> Rings { get; }

    /// <summary>Unrevoked devices of active members.</summary>
    public FrozenDictionary<Guid, DeviceState> Devices { get; }

    /// <summary>
    /// The purpose under which a member may use a scope with a permission now, or null: guardians are the family, a
    /// child reads and writes a channel about itself, anyone else needs a grant in force within their role's limits.
    /// </summary>
    /// <summary>
    /// Why a write under <paramref name="epoch"/> may not go ahead, or null: writes go under the scope's current epoch, and
    /// not before a ring that access changes made stale rotates (messages and document versions alike).
    /// </summary>
    public Infrastructure.Problem? EpochProblem(string scope, int epoch, string ring = "channel", string write = "send") =>
        Rings.TryGetValue(scope, out var current) && !current.Stale && current.CurrentEpoch == epoch
            ? null
            : new Infrastructure.Problem(409, ProblemTypes.StaleEpoch, current is { Stale: true }
                ? $"Access changed: rotate the {ring}'s key ring, then {write}."
                : $"{char.ToUpperInvariant(write[0])}{write[1..]} under the current epoch ({current?.CurrentEpoch}).");

    public string? PurposeOf(Guid userId, string scope, string permission, long nowUnixMs)
    {
        if (!Members.TryGetValue(userId, out var member))
        {
            return null;
        }
        if (member.Role == Roles.Guardian)
        {
            return "family";
        }
        if (member.Role == Roles.Child && SubjectOf(scope) == userId)
        {
            return "own";
        }
        if (!ScopeLimits.MayHold(member.Role, scope) || !Grants.TryGetValue(scope, out var grants))
        {
            return null; // role limits hold whatever was signed
        }
        foreach (var grant in grants)
        {
            if (grant.GranteeUserId == userId && grant.IsInForce(nowUnixMs) && Permissions.Covers(grant.Permission, permission))
            {
                return grant.Purpose;
            }
        }
        return null;
    }

    /// <summary>Everyone who may read a scope now: guardians, the child a channel is about, grantees in force.</summary>
    public IEnumerable<MemberState> Readers(string scope, long nowUnixMs) =>
        Members.Values.Where(m => PurposeOf(m.UserId, scope, Permissions.Read, nowUnixMs) is not null);

    /// <summary>The child a channel scope is about, if any.</summary>
    public Guid? SubjectOf(string scope) =>
        ConsentScopes.TryChannel(scope, out var channelId) && Channels.TryGetValue(channelId, out var channel) ? channel.SubjectUserId : null;

    /// <summary>
    /// Reads one family's state in one read transaction (a consistent snapshot: the stamp matches the data), or in the
    /// context's current transaction when it has one (then that transaction's view is the truth).
    /// </summary>
    public static async Task<FamilyState> LoadAsync(VaultDbContext db, Guid familyId, CancellationToken ct)
    {
        await using var snapshot = db.Database.CurrentTransaction is null ? await ReadSnapshotAsync(db, ct) : null;
        var family = await db.Families.AsNoTracking().Where(f => f.Id == familyId)
            .Select(f => new { f.AccessStamp, Restricted = f.RestrictedAt != null, Erasing = f.ErasingSince != null }).FirstOrDefaultAsync(ct);
        if (family is null || family.Erasing)
        {
            // A family being erased is gone for everyone from the moment its erasure began.
            return Missing;
        }
        var members = await db.Memberships.AsNoTracking().Where(m => m.FamilyId == familyId && m.RemovedAt == null).ToListAsync(ct);
        var grants = await db.Grants.AsNoTracking().Where(g => g.FamilyId == familyId && g.ActivatedAt != null && g.WithdrawnAt == null)
            .Select(g => new GrantState(g.Id, g.GranteeUserId, g.Scope, g.Permission, g.Purpose, g.ValidFromUnixMs, g.ValidUntilUnixMs))
            .ToListAsync(ct);
        var channels = await db.Channels.AsNoTracking().Where(c => c.FamilyId == familyId)
            .Select(c => new ChannelState(c.Id, c.SubjectUserId, c.ArchivedAt != null)).ToListAsync(ct);
        var rings = await db.KeyRings.AsNoTracking().Where(r => r.FamilyId == familyId)
            .Select(r => new RingState(r.Scope, r.CurrentEpoch, r.Stale)).ToListAsync(ct);
        var memberIds = members.Select(m => m.UserId).ToList();
        var devices = await db.Devices.AsNoTracking().Where(d => memberIds.Contains(d.UserId) && d.RevokedAt == null)
            .Select(d => new DeviceState(d.Id, d.UserId, d.SigningKey)).ToListAsync(ct);
        if (snapshot is not null)
        {
            await snapshot.CommitAsync(ct);
        }
        return new FamilyState(familyId, family.AccessStamp, exists: true, family.Restricted,
            members.ToFrozenDictionary(m => m.UserId, m => new MemberState(m.UserId, m.Role, m.DateOfBirth)),
            grants.GroupBy(g => g.Scope, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
            channels.ToFrozenDictionary(c => c.Id), rings.ToFrozenDictionary(r => r.Scope, StringComparer.Ordinal),
            devices.ToFrozenDictionary(d => d.Id));
    }

    /// <summary>
    /// A transaction that only reads, seeing one committed state throughout, begun on the connection itself so that it
    /// takes no write lock: SQLite's default BEGIN IMMEDIATE would, and so would PostgresWriteLock on an EF transaction.
    /// SQLite: a deferred transaction reads a snapshot in WAL mode. Other databases: repeatable read.
    /// </summary>
    private static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> ReadSnapshotAsync(VaultDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var transaction = connection is Microsoft.Data.Sqlite.SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        return await db.Database.UseTransactionAsync(transaction, ct) ?? throw new InvalidOperationException("No transaction.");
    }
}

public sealed record MemberState(Guid UserId, string Role, DateOnly? DateOfBirth);

public sealed record GrantState(Guid Id, Guid GranteeUserId, string Scope, string Permission, string Purpose, long ValidFromUnixMs,
    long ValidUntilUnixMs)
{
    public bool IsInForce(long nowUnixMs) => Consent.GrantWindow.Contains(ValidFromUnixMs, ValidUntilUnixMs, nowUnixMs);
}

public sealed record ChannelState(Guid Id, Guid? SubjectUserId, bool Archived);

public sealed record RingState(string Scope, int CurrentEpoch, bool Stale);

public sealed record DeviceState(Guid Id, Guid UserId, byte[] SigningKey);
