using Vault.Contracts.Audit;

namespace Vault.Client;

/// <summary>Which part of a family's trail to show: a period (Since inclusive, Until exclusive) and one person.</summary>
public sealed record AccessViewFilter(DateTimeOffset? Since = null, DateTimeOffset? Until = null, Guid? Actor = null);

/// <summary>
/// One verified audit entry in plain words. <c>ActorName</c> comes from the family's member list when the caller may
/// read it; <c>Dutch</c> and <c>English</c> are whole sentences ("Jan (wijkcoach) las 3 berichten in kanaal X — doel:
/// begeleiding").
/// </summary>
public sealed record AccessEntry(long Index, long FamilySeq, DateTimeOffset Time, string Action, bool Allowed, Guid? ActorUserId,
    string? ActorName, string? ActorRole, string? Resource, string? Purpose, string Dutch, string English);

/// <summary>
/// A family's access view: the entries that match the filter, newest first, shown only when the whole trail verified.
/// <c>Partial</c>: the caller (a child) sees only what concerns it, so completeness could not be checked.
/// </summary>
public sealed record AccessView(AuditVerification Verification, bool Partial, IReadOnlyList<AccessEntry> Entries)
{
    public bool Ok => Verification.Ok;

    /// <summary>What the verification proved, in words for the person reading it.</summary>
    public string Proven => !Verification.Ok
        ? $"NOT verified: {Verification.Failure}. The list is withheld; the server showed the log differently than it signed it."
        : Partial
            ? $"{Verification.EntriesChecked} entries verified against the signed log (tree size {Verification.Head?.TreeSize}). " +
              "You see only what concerns you, so it cannot be checked that nothing of the family's trail is missing."
            : $"{Verification.EntriesChecked} entries verified against the signed log (tree size {Verification.Head?.TreeSize}); " +
              "the family's sequence numbers run without gaps.";
}

/// <summary>What the SDK knows to name things: members by user id, channels by scope.</summary>
public sealed record AccessNames(IReadOnlyDictionary<Guid, (string Name, string Role)> Members, IReadOnlyDictionary<string, string> Channels)
{
    public static readonly AccessNames None = new(new Dictionary<Guid, (string, string)>(), new Dictionary<string, string>());
}

internal static class AccessViews
{
    public static AccessEntry ToEntry(AuditEntryDto e, AccessNames names)
    {
        var f = e.Fields;
        var name = f?.ActorUserId is { } id && names.Members.TryGetValue(id, out var m) ? m.Name : null;
        var (dutch, english) = AccessWording.Describe(e.Action, e.Allowed, name, f?.ActorRole, f?.Resource, f?.Purpose, names);
        return new AccessEntry(e.Index, e.FamilySeq, DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs), e.Action, e.Allowed,
            f?.ActorUserId, name, f?.ActorRole, f?.Resource, f?.Purpose, dutch, english);
    }

    public static bool Matches(AuditEntryDto e, AccessViewFilter filter) =>
        (filter.Since is not { } since || e.TimeUnixMs >= since.ToUnixTimeMilliseconds())
        && (filter.Until is not { } until || e.TimeUnixMs < until.ToUnixTimeMilliseconds())
        && (filter.Actor is not { } actor || e.Fields?.ActorUserId == actor);
}
