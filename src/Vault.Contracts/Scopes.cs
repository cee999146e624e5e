namespace Vault.Contracts;

/// <summary>
/// Named slices of one family's data, the unit of consent and of key rings. Wire names: "channel:{guid}",
/// "documents:{category}", "progress", "members".
/// </summary>
public static class ConsentScopes
{
    public const string Progress = "progress";
    public const string Members = "members";
    public const string ChannelPrefix = "channel:";
    public const string DocumentsPrefix = "documents:";

    public static readonly IReadOnlyList<string> DocumentCategories = ["plan", "verslag", "beschikking", "voortgang", "overig"];

    public static string Channel(Guid channelId) => ChannelPrefix + channelId.ToString("D");

    public static string Documents(string category) => DocumentsPrefix + category;

    public static bool IsValid(string? scope) => scope switch
    {
        null => false,
        Progress or Members => true,
        _ when scope.StartsWith(ChannelPrefix, StringComparison.Ordinal) => TryChannel(scope, out _),
        _ when scope.StartsWith(DocumentsPrefix, StringComparison.Ordinal) =>
            DocumentCategories.Contains(scope[DocumentsPrefix.Length..], StringComparer.Ordinal),
        _ => false,
    };

    public static bool TryChannel(string scope, out Guid channelId)
    {
        channelId = Guid.Empty;
        return scope.StartsWith(ChannelPrefix, StringComparison.Ordinal)
               && scope.Length == ChannelPrefix.Length + 36
               && Guid.TryParseExact(scope[ChannelPrefix.Length..], "D", out channelId);
    }

    /// <summary>Scopes whose data is client-encrypted and so has a key ring (progress is server-visible metadata).</summary>
    public static bool HasKeyRing(string scope) => scope != Progress && IsValid(scope);
}

/// <summary>What a grant allows on its scope. Write includes read.</summary>
public static class Permissions
{
    public const string Read = "read";
    public const string Write = "write";

    public static bool IsKnown(string? permission) => permission is Read or Write;

    public static bool Covers(string granted, string needed) => granted == Write || needed == Read;
}

/// <summary>AVG article 6 grounds a grant can rest on (article 9(2) applies on top for special categories).</summary>
public static class LegalBases
{
    public static readonly IReadOnlyList<string> All =
        ["consent", "legal-obligation", "public-task", "vital-interests", "contract", "legitimate-interests"];

    public static bool IsKnown(string? basis) => basis is not null && All.Contains(basis, StringComparer.Ordinal);
}

/// <summary>Role limits that hold whatever a guardian signs: the server enforces them centrally.</summary>
public static class ScopeLimits
{
    private static readonly string[] GemeenteScopes =
        [ConsentScopes.Progress, ConsentScopes.Documents("beschikking"), ConsentScopes.Documents("voortgang")];

    /// <summary>A gemeente contact needs progress, not content: only progress and the beschikking/voortgang documents.</summary>
    public static bool MayHold(string granteeRole, string scope) => granteeRole switch
    {
        Roles.Gemeente => GemeenteScopes.Contains(scope, StringComparer.Ordinal),
        _ => Roles.IsFamilyRole(granteeRole),
    };
}
