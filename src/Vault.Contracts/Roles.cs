namespace Vault.Contracts;

/// <summary>The roles a user can hold. Stored and sent as these exact lower-case names.</summary>
public static class Roles
{
    public const string Guardian = "guardian";
    public const string Krachtgezin = "krachtgezin";
    public const string Wijkcoach = "wijkcoach";
    public const string Gemeente = "gemeente";
    public const string Coordinator = "coordinator";
    public const string Network = "network";
    /// <summary>A child of the family with an own account (12 and older; see the consent age rules).</summary>
    public const string Child = "child";
    public const string PrivacyOfficer = "privacy-officer";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All =
        [Guardian, Krachtgezin, Wijkcoach, Gemeente, Coordinator, Network, Child, PrivacyOfficer, Admin];

    /// <summary>Roles a user can hold inside a family; privacy officers and admins stand outside families.</summary>
    public static readonly IReadOnlyList<string> FamilyRoles =
        [Guardian, Child, Krachtgezin, Wijkcoach, Gemeente, Coordinator, Network];

    public static bool IsFamilyRole(string? role) => role is not null && FamilyRoles.Contains(role, StringComparer.Ordinal);

    /// <summary>Who may open a family, invite into it and run its traject.</summary>
    public static bool IsCaseWorker(string? role) => role is Coordinator or Wijkcoach;

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary>Professionals and officials must use a second factor; family and network members may.</summary>
    public static bool RequiresSecondFactor(string role) => role is not (Guardian or Network or Child);
}
