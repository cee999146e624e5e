namespace Vault.Server.Storage;

/// <summary>The blob store failed through no fault of the request (down, unreachable, out of space): answered 503.</summary>
public sealed class BlobStoreUnavailableException : Exception
{
    public BlobStoreUnavailableException()
    {
    }

    public BlobStoreUnavailableException(string message) : base(message)
    {
    }

    public BlobStoreUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}
