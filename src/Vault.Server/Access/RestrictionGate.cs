using Vault.Server.Audit;
using Vault.Server.Infrastructure;

namespace Vault.Server.Access;

/// <summary>
/// Restriction (AVG article 18) for every REST write at once: a request that would change a restricted family's data
/// (any method but GET, HEAD and OPTIONS on a route with a family id) is refused with 423 family-restricted and the
/// refusal audited, before its handler runs. Only a member learns that the family is restricted: anyone else goes on
/// to the handler, which answers 404 as for any family that is not theirs. Endpoints that only take access away, or
/// exercise a right, opt out with <see cref="RestrictionGateExtensions.AllowWhileRestricted{TBuilder}"/>. The hub's
/// sends are refused by the send path itself (SendPipeline, SendItem), which also closes the race with a send in flight.
/// </summary>
internal sealed class RestrictionGate(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, AccessCache cache, AuditLog audit)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method)
            || http.GetEndpoint() is not RouteEndpoint endpoint || endpoint.Metadata.GetMetadata<AllowedWhileRestricted>() is not null
            || http.GetRouteValue("familyId") is not string raw || !Guid.TryParse(raw, out var familyId)
            || http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }
        var actor = Actor.From(http);
        var state = await cache.GetCurrentAsync(familyId, http.RequestAborted);
        if (!state.Restricted || !state.Members.ContainsKey(actor.UserId))
        {
            await next(http);
            return;
        }
        // The route's pattern, not its path: which kind of write was refused, without ids or anything a client typed.
        await audit.AppendAsync(new AuditEvent(actor, AuditActions.RestrictedWriteRefused, false, familyId,
            $"{http.Request.Method} {endpoint.RoutePattern.RawText}"), http.RequestAborted);
        var problem = Problem.Restricted;
        await Problems.WriteAsync(http, problem.Status, problem.Type, problem.Title);
    }
}

/// <summary>Marks an endpoint that stays open while its family is restricted.</summary>
public sealed class AllowedWhileRestricted
{
    public static readonly AllowedWhileRestricted Instance = new();
}

public static class RestrictionGateExtensions
{
    /// <summary>For writes that only take access away (withdrawing consent, removing a member) or exercise a right.</summary>
    public static TBuilder AllowWhileRestricted<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AllowedWhileRestricted.Instance);

    public static WebApplication UseVaultRestriction(this WebApplication app)
    {
        app.UseMiddleware<RestrictionGate>();
        return app;
    }
}
