namespace Vault.Server.Storage;

/// <summary>
/// The blob store failed through no fault of the caller (unreachable, timed out, a 5xx, an I/O error): the request
/// may succeed later, so endpoints answer 503. The inner exception says why (for the log, never for a response).
/// </summary>
public sealed class BlobStoreUnavailableException : Exception
{
    public BlobStoreUnavailableException()
    {
    }

    public BlobStoreUnavailableException(string message)
        : base(message)
    {
    }

    public BlobStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
