using System.Net;
using System.Text.RegularExpressions;
using Vault.Server.Infrastructure;

namespace Vault.Server.Storage;

/// <summary>
/// "Vault:Storage": where ciphertext objects (documents) live. The file system under the data directory is the
/// embedded default; any S3-compatible store (MinIO, AWS, a Dutch cloud's) serves several nodes.
/// </summary>
public sealed partial class StoragePolicy
{
    public const string FileSystemProvider = "filesystem";
    public const string S3Provider = "s3";

    /// <summary>"filesystem" (default) or "s3".</summary>
    public string Provider { get; set; } = FileSystemProvider;

    public S3Policy S3 { get; set; } = new();

    public sealed class S3Policy
    {
        /// <summary>"host:port" (e.g. "minio:9000"; https unless <see cref="UseSsl"/> is false) or a URL ("https://s3.example.nl").</summary>
        public string? Endpoint { get; set; }

        /// <summary>Created on first use when missing.</summary>
        public string Bucket { get; set; } = "vault";

        /// <summary>Set this or <see cref="AccessKeyFile"/> (a file as compose passes a secret), not both.</summary>
        public string? AccessKey { get; set; }

        /// <summary>Set this or <see cref="SecretKeyFile"/>, not both.</summary>
        public string? SecretKey { get; set; }

        public string? AccessKeyFile { get; set; }
        public string? SecretKeyFile { get; set; }
        public string Region { get; set; } = "us-east-1";

        /// <summary>For an endpoint without a scheme; a URL's scheme decides for itself.</summary>
        public bool UseSsl { get; set; } = true;

        /// <summary>
        /// Plain http to a non-loopback endpoint: refused unless this is true (S3 on a private network). Ciphertext is all
        /// that crosses it, but so do the credentials' signatures and the object names.
        /// </summary>
        public bool AllowPlainHttp { get; set; }
    }

    /// <summary>The S3 store to use, checked; or a message that says what to set. Messages never hold a secret.</summary>
    public static S3Connection ResolveS3(VaultOptions options)
    {
        var s3 = options.Storage.S3;
        if (string.IsNullOrWhiteSpace(s3.Endpoint))
        {
            throw new InvalidOperationException(
                "Vault:Storage:Provider is s3 but Vault:Storage:S3:Endpoint is not set: give host:port (e.g. minio:9000) or a URL (e.g. https://s3.example.nl).");
        }
        var (host, secure) = ParseEndpoint(s3.Endpoint.Trim(), s3.UseSsl);
        if (!secure && !IsLoopback(host) && !s3.AllowPlainHttp)
        {
            throw new InvalidOperationException(
                $"Vault:Storage:S3:Endpoint {host} is plain http on a network address: only loopback may use http. Use https " +
                "(Vault:Storage:S3:UseSsl true, or an https:// endpoint), or set Vault:Storage:S3:AllowPlainHttp to true when S3 is on a private network.");
        }
        var bucket = (s3.Bucket ?? "").Trim();
        if (!BucketName().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Vault:Storage:S3:Bucket \"{bucket}\" is not a valid bucket name: 3 to 63 lowercase letters, digits, dots and hyphens.");
        }
        if (string.IsNullOrWhiteSpace(s3.Region))
        {
            throw new InvalidOperationException("Vault:Storage:S3:Region is empty: set the store's region (MinIO's default is us-east-1).");
        }
        return new S3Connection(host, secure, bucket, s3.Region.Trim(),
            Secret("AccessKey", s3.AccessKey, s3.AccessKeyFile), Secret("SecretKey", s3.SecretKey, s3.SecretKeyFile));
    }

    private static (string Host, bool Secure) ParseEndpoint(string endpoint, bool useSsl)
    {
        var hasScheme = endpoint.Contains("://", StringComparison.Ordinal);
        if (!Uri.TryCreate(hasScheme ? endpoint : (useSsl ? "https://" : "http://") + endpoint, UriKind.Absolute, out var url)
            || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0
            || url.UserInfo.Length > 0 || url.Host.Length == 0)
        {
            // The value is not echoed: a URL with user:password in it would put them in the log.
            throw new InvalidOperationException(
                "Vault:Storage:S3:Endpoint must be host:port (e.g. minio:9000) or an http(s) URL without path or credentials, e.g. https://s3.example.nl.");
        }
        return (url.IsDefaultPort ? url.Host : $"{url.Host}:{url.Port}", url.Scheme == Uri.UriSchemeHttps);
    }

    private static bool IsLoopback(string host)
    {
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return name == "localhost" || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }

    private static string Secret(string name, string? value, string? file)
    {
        var hasValue = !string.IsNullOrEmpty(value);
        var hasFile = !string.IsNullOrWhiteSpace(file);
        if (hasValue == hasFile)
        {
            throw new InvalidOperationException(hasValue
                ? $"Both Vault:Storage:S3:{name} and Vault:Storage:S3:{name}File are set: keep one (prefer the file)."
                : $"Vault:Storage:Provider is s3 but neither Vault:Storage:S3:{name} nor Vault:Storage:S3:{name}File is set.");
        }
        if (hasValue)
        {
            return value!;
        }
        string text;
        try
        {
            text = File.ReadAllText(Path.GetFullPath(file!)).Trim(); // secret files end in a line feed, keys do not
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Vault:Storage:S3:{name}File {Path.GetFullPath(file!)} cannot be read by the server's user ({e.GetType().Name}).", e);
        }
        return text.Length > 0 ? text : throw new InvalidOperationException($"Vault:Storage:S3:{name}File {Path.GetFullPath(file!)} is empty.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\z")]
    private static partial Regex BucketName();
}

/// <summary>A checked S3 configuration. Its text form names the endpoint and bucket, never the credentials.</summary>
public sealed class S3Connection(string host, bool secure, string bucket, string region, string accessKey, string secretKey)
{
    /// <summary>"host" or "host:port", without scheme.</summary>
    public string Host { get; } = host;
    public bool Secure { get; } = secure;
    public string Bucket { get; } = bucket;
    public string Region { get; } = region;
    internal string AccessKey { get; } = accessKey;
    internal string SecretKey { get; } = secretKey;

    public override string ToString() => $"{(Secure ? "https" : "http")}://{Host}/{Bucket}";
}
