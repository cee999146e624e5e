namespace Vault.Server.Infrastructure;

/// <summary>The "Vault" configuration section. Defaults suit the embedded single-server setup.</summary>
public sealed class VaultOptions
{
    public const string Section = "Vault";

    /// <summary>SQLite file, blob store, and persisted server keys live here.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Plain http is only acceptable on loopback (the embedded default) or behind a TLS-terminating proxy that
    /// sets X-Forwarded-Proto. Set false for any other deployment.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>Overrides the SQLite file under <see cref="DataDirectory"/> when set.</summary>
    public string? ConnectionString { get; set; }

    public KdfPolicy Kdf { get; set; } = new();
    public TokenPolicy Tokens { get; set; } = new();
    public InvitationPolicy Invitations { get; set; } = new();
    public RequestLimits Limits { get; set; } = new();
    public ConsentPolicy Consent { get; set; } = new();
    public MessagingPolicy Messaging { get; set; } = new();
    public WebClientPolicy WebClient { get; set; } = new();

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    public sealed class KdfPolicy
    {
        // Argon2id at 3 passes over 64 MiB: about half a second on a cheap phone, and a real cost to a guesser.
        public long OpsLimit { get; set; } = 3;
        public int MemLimitBytes { get; set; } = 64 * 1024 * 1024;
    }

    public sealed class TokenPolicy
    {
        public int AccessTokenMinutes { get; set; } = 15;
        public int RefreshTokenDays { get; set; } = 14;
    }

    public sealed class InvitationPolicy
    {
        public int DefaultValidForHours { get; set; } = 168;
        public int MaxValidForHours { get; set; } = 720;
    }

    public sealed class RequestLimits
    {
        public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
    }

    /// <summary>
    /// Jeugdwet ages: a child may hold an account and co-sign from <see cref="ChildSaysFromAge"/> (with a guardian),
    /// and decides alone from <see cref="ChildDecidesAloneFromAge"/>.
    /// </summary>
    public sealed class ConsentPolicy
    {
        public int ChildSaysFromAge { get; set; } = 12;
        public int ChildDecidesAloneFromAge { get; set; } = 16;
    }

    public sealed class MessagingPolicy
    {
        /// <summary>Largest accepted envelope (padded ciphertext plus signature).</summary>
        public int MaxEnvelopeBytes { get; set; } = Contracts.Messaging.MessageLimits.MaxEnvelopeBytes;
        public int MaxRetentionDays { get; set; } = 3650;
        public int HistoryPageSize { get; set; } = 200;
    }

    /// <summary>The browser client "vault-web" (authorization code + PKCE): registered only when it has redirect URIs.</summary>
    public sealed class WebClientPolicy
    {
        /// <summary>Exact redirect URIs, e.g. "https://vault.example.nl/callback".</summary>
        public List<string> RedirectUris { get; set; } = [];
    }
}
