namespace Vault.Contracts;

/// <summary>
/// Stable RFC 9457 problem type URIs. Clients branch on these, never on titles or details; they never change
/// meaning once published.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:vault:problem:";

    public const string Validation = Prefix + "validation";
    public const string MalformedRequest = Prefix + "malformed-request";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string Conflict = Prefix + "conflict";
    public const string RateLimited = Prefix + "rate-limited";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string HttpsRequired = Prefix + "https-required";
    public const string Internal = Prefix + "internal";

    public const string InvalidCredentials = Prefix + "invalid-credentials";
    public const string SecondFactorRequired = Prefix + "second-factor-required";
    public const string InvalidSecondFactor = Prefix + "invalid-second-factor";
    public const string InvalidInvitation = Prefix + "invalid-invitation";
    public const string UsernameTaken = Prefix + "username-taken";
    public const string MalformedKey = Prefix + "malformed-key";
    public const string InvalidSignature = Prefix + "invalid-signature";
    public const string DeviceRequired = Prefix + "device-required";
    public const string DeviceRevoked = Prefix + "device-revoked";
    public const string UnsupportedGrant = Prefix + "unsupported-grant";

    public const string NoConsent = Prefix + "no-consent";
    public const string InvalidGrant = Prefix + "invalid-grant";
    public const string GrantReplayed = Prefix + "grant-replayed";
    public const string ScopeNotAllowed = Prefix + "scope-not-allowed";
    public const string KennismakingRule = Prefix + "kennismaking-requires-case-worker";
    public const string StaleEpoch = Prefix + "stale-epoch";
    public const string IncompleteWraps = Prefix + "incomplete-key-wraps";
    public const string InvalidEnvelope = Prefix + "invalid-envelope";
    public const string ChannelArchived = Prefix + "channel-archived";

    public const string QuotaExceeded = Prefix + "quota-exceeded";
    public const string UploadOffsetMismatch = Prefix + "upload-offset-mismatch";
    public const string UploadIncomplete = Prefix + "upload-incomplete";
    public const string VersionConflict = Prefix + "version-conflict";
    public const string InvalidManifest = Prefix + "invalid-manifest";
    public const string StoreUnavailable = Prefix + "store-unavailable";

    public const string FamilyRestricted = Prefix + "family-restricted";
    public const string LegalHold = Prefix + "legal-hold";
    public const string RequestClosed = Prefix + "request-closed";

    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        >= 500 => Internal,
        _ => Prefix + "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
