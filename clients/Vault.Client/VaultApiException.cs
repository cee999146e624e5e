namespace Vault.Client;

/// <summary>
/// A 4xx/5xx answer from the server, with its RFC 9457 problem type (stable; branch on it), its title and, when the
/// server gave one, its detail: what exactly was wrong (e.g. which roles exist), meant to be shown to the user.
/// </summary>
public sealed class VaultApiException(int status, string? problemType, string? title, string? detail = null)
    : Exception($"{status} {problemType}: {title}{(detail is null ? "" : " " + detail)}")
{
    public int Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public string? Title { get; } = title;
    public string? Detail { get; } = detail;
}
