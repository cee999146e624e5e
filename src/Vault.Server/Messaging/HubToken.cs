using Vault.Contracts.Messaging;

namespace Vault.Server.Messaging;

/// <summary>
/// Browsers cannot put headers on a WebSocket, so SignalR sends the access token as ?access_token= there. Only for
/// the hub's own paths is it moved into the Authorization header, where validation looks for it; everywhere else a
/// token in a query string is ignored (the request is anonymous).
/// </summary>
public static class HubToken
{
    public static IApplicationBuilder UseHubAccessTokenFromQuery(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments(HubPaths.Hub) && http.Request.Headers.Authorization.Count == 0
            && http.Request.Query.TryGetValue("access_token", out var token) && token.Count == 1 && !string.IsNullOrEmpty(token[0]))
        {
            http.Request.Headers.Authorization = "Bearer " + token[0];
        }
        return next(http);
    });
}
