namespace Vault.Client;

/// <summary>A 4xx/5xx answer from the server, with its RFC 9457 problem type (stable; branch on it).</summary>
public sealed class VaultApiException(int status, string? problemType, string? title)
    : Exception($"{status} {problemType}: {title}")
{
    public int Status { get; } = status;
    public string? ProblemType { get; } = problemType;
    public string? Title { get; } = title;
}
