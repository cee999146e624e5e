using System.Security.Claims;
using Vault.Server.Identity;

namespace Vault.Server.Infrastructure;

/// <summary>Who is acting, for authorization and the audit log: user, device, account role, and the request id.</summary>
public sealed record Actor(Guid UserId, Guid? DeviceId, string Role, string RequestId)
{
    public static readonly Actor System = new(Guid.Empty, null, "system", "");

    public static Actor From(ClaimsPrincipal principal, string requestId) =>
        new(principal.UserId(), principal.DeviceId(), principal.Role() ?? "", requestId);

    public static Actor From(HttpContext http) => From(http.User, http.TraceIdentifier);
}
