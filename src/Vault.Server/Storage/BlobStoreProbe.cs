namespace Vault.Server.Storage;

/// <summary>Readiness as every store answers it: an object written (and synced) and deleted again.</summary>
internal static class BlobStoreProbe
{
    public static async Task<bool> IsReadyAsync(IBlobStore store, CancellationToken ct)
    {
        try
        {
            const string probe = "health/probe";
            await store.PutAsync(probe, new MemoryStream([1]), 1, ct);
            await store.DeleteAsync(probe, ct);
            return true;
        }
        catch (BlobStoreUnavailableException)
        {
            return false;
        }
    }
}
