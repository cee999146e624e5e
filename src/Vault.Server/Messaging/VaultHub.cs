using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Vault.Contracts.Messaging;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;

namespace Vault.Server.Messaging;

/// <summary>
/// Real-time delivery. Authenticated with the same device-bound tokens as REST; each connection joins its device's
/// group, and delivery picks devices per message after re-checking consent at the commit (see SendPipeline). A refused
/// send answers a <see cref="SendResult"/> with the refusal as REST would give it; the connection stays open.
/// </summary>
[Authorize]
public sealed class VaultHub(SendPipeline sends, Connections connections, FanOut fanOut) : Hub<IVaultHubClient>
{
    public override async Task OnConnectedAsync()
    {
        if (Context.User?.DeviceId() is not { } device)
        {
            Context.Abort();
            return;
        }
        connections.Add(device, Context);
        await Groups.AddToGroupAsync(Context.ConnectionId, Connections.DeviceGroup(device));
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.User?.DeviceId() is { } device)
        {
            connections.Remove(device, Context.ConnectionId);
            if (!connections.IsConnected(device))
            {
                fanOut.Forget(device);
            }
        }
        return Task.CompletedTask;
    }

    public async Task<SendResult> Send(Guid familyId, Guid channelId, SendMessageRequest request)
    {
        var actor = Actor.From(Context.User!, Context.ConnectionId);
        var outcome = await sends.SendAsync(actor, familyId, channelId, request, Context.ConnectionAborted);
        return outcome.Refusal is { } refused
            ? new SendResult(null, new HubProblem(refused.Type, refused.Status, refused.Title))
            : new SendResult(outcome.Message, null);
    }
}
