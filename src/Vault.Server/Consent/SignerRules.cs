using Vault.Contracts;
using Vault.Server.Families;
using Vault.Server.Infrastructure;

namespace Vault.Server.Consent;

/// <summary>
/// Who must sign a grant (Jeugdwet ages, configurable): about the whole family, one guardian; about a child under
/// <c>ChildSaysFromAge</c>, one guardian; from that age until <c>ChildDecidesAloneFromAge</c>, a guardian and the
/// child; from then on the child alone.
/// </summary>
public sealed record SignerRules(bool NeedsGuardian, Guid? NeedsChild, IReadOnlySet<Guid> Eligible, IReadOnlyList<Guid> Guardians)
{
    public static SignerRules For(Guid? subjectUserId, IReadOnlyList<Membership> members, DateOnly today,
        VaultOptions.ConsentPolicy policy)
    {
        var guardians = members.Where(m => m.Role == Roles.Guardian).Select(m => m.UserId).ToList();
        var child = subjectUserId is { } id ? members.FirstOrDefault(m => m.UserId == id) : null;
        var age = child?.DateOfBirth is { } born ? AgeOn(born, today) : -1;
        var (guardian, childSigns) = age switch
        {
            < 0 => (true, false),
            _ when age < policy.ChildSaysFromAge => (true, false),
            _ when age < policy.ChildDecidesAloneFromAge => (true, true),
            _ => (false, true),
        };
        var eligible = new HashSet<Guid>(guardians);
        if (childSigns)
        {
            eligible.Add(child!.UserId);
        }
        return new SignerRules(guardian, childSigns ? child!.UserId : null, eligible, guardians);
    }

    public bool IsSatisfiedBy(IEnumerable<Guid> signers)
    {
        var set = signers.ToHashSet();
        return (!NeedsGuardian || Guardians.Any(set.Contains)) && (NeedsChild is not { } child || set.Contains(child));
    }

    /// <summary>Whose signature is still missing: every guardian when any one of them will do.</summary>
    public List<Guid> Awaiting(IEnumerable<Guid> signers)
    {
        var set = signers.ToHashSet();
        var awaiting = new List<Guid>();
        if (NeedsGuardian && !Guardians.Any(set.Contains))
        {
            awaiting.AddRange(Guardians);
        }
        if (NeedsChild is { } child && !set.Contains(child))
        {
            awaiting.Add(child);
        }
        return awaiting;
    }

    public static int AgeOn(DateOnly born, DateOnly today)
    {
        var age = today.Year - born.Year;
        return born.AddYears(age) > today ? age - 1 : age;
    }
}
