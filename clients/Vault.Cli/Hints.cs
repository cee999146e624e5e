using Vault.Contracts;

namespace Vault.Cli;

/// <summary>What to do next after a refusal, by its stable problem type (never by title or detail).</summary>
internal static class Hints
{
    /// <param name="needs">The grant the command needed, when it knows (a document upload knows its category).</param>
    public static string? For(string? problemType, string command, ConsentNeed? needs = null) => problemType switch
    {
        ProblemTypes.Unauthorized =>
            "Your session has ended: run `vault login` (add --totp CODE if your account has a second factor).",
        ProblemTypes.SecondFactorRequired => "Add --totp CODE with the current code from your authenticator app.",
        ProblemTypes.InvalidSecondFactor =>
            "Use the current code from your authenticator app (each code works once) and check this machine's clock.",
        // Commands that take no passphrase only refresh the stored session: a refused refresh token means it ended.
        ProblemTypes.InvalidCredentials when command is not ("vault login" or "vault passphrase change" or "vault invite accept") =>
            "This device's session has ended (e.g. the passphrase was changed on another device): run `vault login`.",
        ProblemTypes.InvalidCredentials =>
            "Check the username and the passphrase (VAULT_PASSPHRASE, --passphrase-file, or the prompt).",
        ProblemTypes.DeviceRevoked =>
            "This device was revoked. Set this machine up again with `vault login --server URL --username NAME` in an empty VAULT_HOME.",
        ProblemTypes.Forbidden when command == "vault family create" =>
            "Only coordinators and wijkcoaches open families, not an administrator: invite a coordinator first " +
            "(`vault invite create --role coordinator`); they accept it and run `vault family create`.",
        ProblemTypes.NoConsent or ProblemTypes.InvalidGrant or ProblemTypes.ScopeNotAllowed when command == "vault channel create" =>
            "Only a guardian of the family opens channels: they sign each member's grant on their own device. Not a guardian? " +
            "Ask one to run `vault channel create --family ID --name NAME --purpose TEXT --members YOUR_ID` (`vault whoami` shows " +
            "your id). A guardian leaves the family's guardians out of --members (they need no grant) and names only its members.",
        ProblemTypes.KennismakingRule =>
            "A family's first channel (the kennismaking) needs its coordinator or wijkcoach in it: add them to --members " +
            "(`vault family members --family ID` shows the ids).",
        ProblemTypes.InvalidInvitation => "Ask for a new invitation code: a code works once and expires.",
        ProblemTypes.UsernameTaken => "Choose another --username.",
        ProblemTypes.Validation or ProblemTypes.MalformedRequest => $"`{command} --help` shows the expected options and values.",
        ProblemTypes.NotFound when IsDocuments(command) =>
            "Check --family and --document: `vault doc list --family ID` shows the documents (with --trash the deleted ones); " +
            "a new version keeps its document's --category.",
        ProblemTypes.NotFound => $"Check the ids given to `{command}`: the list commands (e.g. `vault family list`) show valid ones.",
        ProblemTypes.NoConsent when needs is not null =>
            $"Ask a guardian of the family for a grant on {needs.Scope}" +
            (needs.Permission == Permissions.Write ? " with --permission write" : "") +
            $": they sign it with `vault grant --family ID --user YOUR_ID --scope {needs.Scope} ...` (`vault grant --help`).",
        ProblemTypes.NoConsent when IsDocuments(command) =>
            "Ask a guardian of the family for a grant on the document's category, documents:CATEGORY (" +
            string.Join(", ", ConsentScopes.DocumentCategories) + "), with --history to read what was written before it; they sign " +
            "it with `vault grant` (`vault grant --help`).",
        ProblemTypes.NoConsent => "No consent grant covers this: a guardian of the family can grant it (`vault grant --help`).",
        ProblemTypes.FamilyRestricted =>
            "The family's data is restricted at its request (AVG article 18): it can be read, not changed, until the privacy officer lifts it.",
        ProblemTypes.LegalHold => "A legal retention duty applies; the request is refused with this ground, which the family reads in `vault dsr list`.",
        ProblemTypes.RequestClosed => "The request is closed already: `vault privacy requests --all` shows its outcome.",
        ProblemTypes.ChannelArchived => "The channel is archived: it stays readable, it takes no new messages.",
        ProblemTypes.RateLimited => "Too many attempts or requests: wait as long as the server said, then try again.",
        ProblemTypes.PayloadTooLarge => "The file is larger than this server takes as one document: ask its administrator about the limit.",
        ProblemTypes.QuotaExceeded =>
            "The family's documents fill its quota (the trash counts until it is purged, unfinished uploads until they " +
            "expire): ask the server's administrator for more room.",
        ProblemTypes.StoreUnavailable when command == "vault doc upload" =>
            "Nothing was lost: run the same command again to resume the upload where it stopped. If this persists, tell the server's administrator.",
        ProblemTypes.StoreUnavailable =>
            "Nothing was lost: run the same command again in a while. If this persists, tell the server's administrator.",
        ProblemTypes.UploadOffsetMismatch or ProblemTypes.UploadIncomplete =>
            "Run the same command again: the upload resumes from what the server has.",
        ProblemTypes.VersionConflict or ProblemTypes.StaleEpoch =>
            "Someone else changed it at the same moment (a new version, or the keys): run the same command again.",
        ProblemTypes.Internal => "The server failed; try again later, or tell its administrator.",
        _ => null,
    };

    private static bool IsDocuments(string command) => command.StartsWith("vault doc ", StringComparison.Ordinal);
}

/// <summary>The consent a running command needs: a scope and read or write.</summary>
internal sealed record ConsentNeed(string Scope, string Permission);
