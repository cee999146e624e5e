using Vault.Contracts;

namespace Vault.Cli;

/// <summary>What to do next after a refusal, by its stable problem type (never by title or detail).</summary>
internal static class Hints
{
    public static string? For(string? problemType, string command) => problemType switch
    {
        ProblemTypes.Unauthorized =>
            "Your session has ended: run `vault login` (add --totp CODE if your account has a second factor).",
        ProblemTypes.SecondFactorRequired => "Add --totp CODE with the current code from your authenticator app.",
        ProblemTypes.InvalidSecondFactor =>
            "Use the current code from your authenticator app (each code works once) and check this machine's clock.",
        ProblemTypes.InvalidCredentials =>
            "Check the username and the passphrase (VAULT_PASSPHRASE, --passphrase-file, or the prompt).",
        ProblemTypes.DeviceRevoked =>
            "This device was revoked. Set this machine up again with `vault login --server URL --username NAME` in an empty VAULT_HOME.",
        ProblemTypes.InvalidInvitation => "Ask for a new invitation code: a code works once and expires.",
        ProblemTypes.UsernameTaken => "Choose another --username.",
        ProblemTypes.Validation or ProblemTypes.MalformedRequest => $"`{command} --help` shows the expected options and values.",
        ProblemTypes.NotFound => $"Check the ids given to `{command}`: the list commands (e.g. `vault family list`) show valid ones.",
        ProblemTypes.NoConsent => "No consent grant covers this: a guardian of the family can grant it (`vault grant --help`).",
        ProblemTypes.ChannelArchived => "The channel is archived: it stays readable, it takes no new messages.",
        ProblemTypes.RateLimited => "Too many attempts or requests: wait as long as the server said, then try again.",
        ProblemTypes.Internal => "The server failed; try again later, or tell its administrator.",
        _ => null,
    };
}
