using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Vault.Contracts.Messaging;

namespace Vault.Client;

/// <summary>
/// The real-time side of the SDK: one hub connection per device. Messages come out of <see cref="Messages"/>
/// verified and decrypted, exactly once and in per-channel order: a gap in sequence numbers (a message missed while
/// offline or reconnecting) is filled from history before anything later is shown, and duplicates are dropped.
/// </summary>
public sealed class VaultConnection : IAsyncDisposable
{
    private readonly VaultClient client;
    private readonly HubConnection hub;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Channel<ReceivedMessage> messages = Channel.CreateUnbounded<ReceivedMessage>();
    private readonly Channel<AccessChange> changes = Channel.CreateUnbounded<AccessChange>();

    /// <summary>Last sequence number shown per channel; persist it to resume where this device left off.</summary>
    public ConcurrentDictionary<Guid, long> Cursors { get; }

    public ChannelReader<ReceivedMessage> Messages => messages.Reader;
    public ChannelReader<AccessChange> AccessChanges => changes.Reader;
    public bool IsConnected => hub.State == HubConnectionState.Connected;

    /// <summary>The socket dropped (the SDK then reconnects on its own, unless stopped) or closed for good.</summary>
    public event Func<Exception?, Task>? Disconnected;

    public VaultConnection(VaultClient client, IDictionary<Guid, long>? cursors = null)
    {
        this.client = client;
        Cursors = new ConcurrentDictionary<Guid, long>(cursors ?? new Dictionary<Guid, long>());
        hub = new HubConnectionBuilder()
            .WithUrl(new Uri(client.BaseAddress, HubPaths.Hub), options =>
            {
                options.AccessTokenProvider = async () => await client.AccessTokenAsync();
                // WebSockets straight away: no negotiate round trip, and no sticky sessions needed in front of several nodes.
                options.SkipNegotiation = true;
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .WithAutomaticReconnect()
            .Build();
        hub.On<MessageDelivery>(nameof(IVaultHubClient.Message), OnMessageAsync);
        hub.On<AccessChange>(nameof(IVaultHubClient.AccessChanged), OnAccessChangedAsync);
        hub.Reconnected += _ => CatchUpAsync(CancellationToken.None);
        hub.Reconnecting += e => Disconnected?.Invoke(e) ?? Task.CompletedTask;
        hub.Closed += e => Disconnected?.Invoke(e) ?? Task.CompletedTask;
    }

    /// <summary>Connects, then catches up on every channel the user can read (from its cursor, or from the start).</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await hub.StartAsync(ct);
        client.Connection = this;
        await CatchUpAsync(ct);
    }

    /// <summary>Goes offline; <see cref="StartAsync"/> again resumes from the cursors.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (client.Connection == this)
        {
            client.Connection = null;
        }
        await hub.StopAsync(ct);
    }

    /// <summary>Sends a prepared envelope over the socket; refusals come back as <see cref="VaultApiException"/>.</summary>
    public async Task<MessageDelivery> SendRequestAsync(Guid familyId, Guid channelId, SendMessageRequest request, CancellationToken ct)
    {
        SendResult result;
        try
        {
            result = await hub.InvokeAsync<SendResult>("Send", familyId, channelId, request, ct);
        }
        catch (HubException)
        {
            // Not a refusal (those come as results): the invocation itself failed on the server.
            throw new VaultApiException(500, Contracts.ProblemTypes.Internal, "The server failed to handle the send.");
        }
        return result.Message ?? throw (result.Refusal is { } refusal
            ? new VaultApiException(refusal.Status, refusal.Type, refusal.Title)
            : new VaultApiException(500, Contracts.ProblemTypes.Internal,
                "The server answered the send with neither message nor refusal."));
    }

    /// <summary>Fetches whatever this device has not shown yet, channel by channel.</summary>
    public async Task CatchUpAsync(CancellationToken ct)
    {
        foreach (var family in await client.ListFamiliesAsync(ct))
        {
            foreach (var channel in await client.ListChannelsAsync(family.Id, ct))
            {
                if (channel.Channel.LastSeq > Cursors.GetValueOrDefault(channel.Channel.Id))
                {
                    await gate.WaitAsync(ct);
                    try
                    {
                        await FillAsync(family.Id, channel.Channel.Id, ct);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }
        }
    }

    private async Task OnMessageAsync(MessageDelivery delivery)
    {
        await gate.WaitAsync();
        try
        {
            var cursor = Cursors.GetValueOrDefault(delivery.ChannelId);
            if (delivery.Seq <= cursor)
            {
                return; // already shown (catch-up and live delivery overlapped)
            }
            if (delivery.Seq > cursor + 1)
            {
                await FillAsync(delivery.FamilyId, delivery.ChannelId, CancellationToken.None); // a gap: history first
                return;
            }
            await EmitAsync(await client.OpenAsync(delivery));
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task FillAsync(Guid familyId, Guid channelId, CancellationToken ct)
    {
        while (true)
        {
            var (page, last) = await client.HistoryAsync(familyId, channelId, Cursors.GetValueOrDefault(channelId), ct: ct);
            foreach (var message in page)
            {
                await EmitAsync(message);
            }
            if (page.Count == 0 || Cursors.GetValueOrDefault(channelId) >= last)
            {
                return;
            }
        }
    }

    private async Task EmitAsync(ReceivedMessage message)
    {
        Cursors[message.ChannelId] = message.Seq;
        await messages.Writer.WriteAsync(message);
    }

    private async Task OnAccessChangedAsync(AccessChange change)
    {
        if (change.Change is Contracts.Messaging.AccessChanges.Rotated or Contracts.Messaging.AccessChanges.Withdrawn
            or Contracts.Messaging.AccessChanges.Removed or Contracts.Messaging.AccessChanges.Expired)
        {
            client.ForgetCurrentEpoch(change.FamilyId, change.Scope); // the next send reads the ring again
        }
        await changes.Writer.WriteAsync(change);
    }

    public async ValueTask DisposeAsync()
    {
        if (client.Connection == this)
        {
            client.Connection = null;
        }
        await hub.DisposeAsync();
        gate.Dispose();
    }
}
