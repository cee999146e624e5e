using Vault.Server.Storage;

namespace Vault.Server.Infrastructure;

/// <summary>The "Vault" configuration section. Defaults suit the embedded single-server setup.</summary>
public sealed class VaultOptions
{
    public const string Section = "Vault";

    /// <summary>SQLite file, blob store, and persisted server keys live here.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The URL clients use to reach this server: the OpenID Connect issuer and the base of every URL the server
    /// names (discovery, OpenAPI). Never taken from a request's Host header. Required outside loopback; an http URL
    /// is accepted only for loopback (the embedded default) or in Development.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// Addresses (e.g. "10.0.0.2") or networks (e.g. "172.28.0.0/24") of the TLS-terminating reverse proxies whose
    /// X-Forwarded-For and X-Forwarded-Proto are believed. Empty: no forwarded header is believed, from anyone.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// A base64 key of 32 random bytes that encrypts the server's private keys and the data-protection keys at rest.
    /// Prefer <see cref="KeyEncryptionKeyFile"/> (a secret file outside the data directory) over an environment variable.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>Path of a file holding <see cref="KeyEncryptionKey"/> (as compose passes a secret).</summary>
    public string? KeyEncryptionKeyFile { get; set; }

    /// <summary>The key from before PostgreSQL: same as Database:ConnectionString (set only one of them).</summary>
    public string? ConnectionString { get; set; }

    public Data.DatabaseOptions Database { get; set; } = new();

    /// <summary>Where documents' ciphertext lives: the data directory (default) or S3 (see <see cref="StoragePolicy"/>).</summary>
    public StoragePolicy Storage { get; set; } = new();

    public KdfPolicy Kdf { get; set; } = new();
    public TokenPolicy Tokens { get; set; } = new();
    public InvitationPolicy Invitations { get; set; } = new();
    public RequestLimits Limits { get; set; } = new();
    public ConsentPolicy Consent { get; set; } = new();
    public MessagingPolicy Messaging { get; set; } = new();
    public WebClientPolicy WebClient { get; set; } = new();
    public RateLimitPolicy RateLimits { get; set; } = new();
    public ClusterPolicy Cluster { get; set; } = new();
    public DocumentsPolicy Documents { get; set; } = new();
    public Retention.RetentionPolicy Retention { get; set; } = new();

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

    /// <summary>
    /// Requests per client address (token buckets). Anonymous endpoints: enough for a gemeente office behind one NAT to
    /// log in at nine, too few to guess passphrases or flood them. Endpoints that need a token: far more (a wijkcoach's
    /// catch-up over forty families), but not unlimited. Failed logins per username slow down on their own (LoginThrottle).
    /// </summary>
    public sealed class RateLimitPolicy
    {
        public int AnonymousPermitsPerMinute { get; set; } = 120;
        public int AnonymousBurst { get; set; } = 60;
        public int TokenPermitsPerMinute { get; set; } = 1200;
        public int TokenBurst { get; set; } = 600;

        /// <summary>Failed logins for one username from one address before delays begin, and from all addresses.</summary>
        public int FreeFailuresPerAddress { get; set; } = 5;
        public int FreeFailuresPerUsername { get; set; } = 20;
        public int MaxDelaySeconds { get; set; } = 900;
    }

    /// <summary>Document sizes, quotas and how long unfinished uploads and the trash are kept.</summary>
    public sealed class DocumentsPolicy
    {
        /// <summary>Largest document version (its ciphertext, about the file's size plus 0.03 %).</summary>
        public long MaxFileBytes { get; set; } = 4L * 1024 * 1024 * 1024;

        /// <summary>Everything one family stores (every version, the trash, and unfinished uploads) together.</summary>
        public long FamilyQuotaBytes { get; set; } = 20L * 1024 * 1024 * 1024;

        /// <summary>Largest PATCH body: an upload moves in pieces this big at most (the SDK sends 8 MiB blocks).</summary>
        public long MaxPatchBytes { get; set; } = 16 * 1024 * 1024;

        public int UploadExpiryHours { get; set; } = 24;
        public int TrashRetentionDays { get; set; } = 30;
    }

    /// <summary>Several server nodes: the Redis they share (StackExchange.Redis configuration, e.g. "redis:6379").</summary>
    public sealed class ClusterPolicy
    {
        public string? Redis { get; set; }
    }

    /// <summary>The browser client "vault-web" (authorization code + PKCE): registered only when it has redirect URIs.</summary>
    public sealed class WebClientPolicy
    {
        /// <summary>Exact redirect URIs, e.g. "https://vault.example.nl/callback".</summary>
        public List<string> RedirectUris { get; set; } = [];
    }
}
