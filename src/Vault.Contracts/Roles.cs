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
    public const string PrivacyOfficer = "privacy-officer";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All =
        [Guardian, Krachtgezin, Wijkcoach, Gemeente, Coordinator, Network, PrivacyOfficer, Admin];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);

    /// <summary>Professionals and officials must use a second factor; family and network members may.</summary>
    public static bool RequiresSecondFactor(string role) => role is not (Guardian or Network);
}
