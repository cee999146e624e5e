using System.Net;

namespace Vault.Server.Infrastructure;

/// <summary>The client address as limits count it (after a trusted proxy's X-Forwarded-For, if any).</summary>
public static class ClientAddress
{
    /// <summary>IPv4 as is; IPv6 by its /64, which one household or phone holds whole.</summary>
    public static string Partition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
