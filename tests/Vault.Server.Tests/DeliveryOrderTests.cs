using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Vault.Server.Audit;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Real-time delivery is audited first and sent second (fail closed): a delivery the log cannot record is not made,
/// and whatever reaches a device's socket is already in the log. Observed where it happens: the database the audit
/// log commits to (a trigger makes it refuse delivery entries), and the hub's own send to the devices' sockets.
/// </summary>
public sealed class DeliveryOrderTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a failure bound, never a wait
    private readonly ConcurrentQueue<HubSend> sends = new();
    private readonly VaultServer server;
    private readonly Cast cast;
    private readonly List<VaultConnection> connections = [];
    private Guid familyId;
    private VaultClient coordinator = null!, guardian = null!;
    private ChannelResponse intro = null!, other = null!;

    public DeliveryOrderTests()
    {
        server = new VaultServer
        {
            ConfigureTestServices = services =>
            {
                services.AddSingleton<HubLifetimeManager<VaultHub>>(sp => new ObservedLifetimeManager(
                    sp.GetRequiredService<ILogger<DefaultHubLifetimeManager<VaultHub>>>(), Observe));
            },
        };
        cast = new Cast(server);
    }

    public async Task InitializeAsync()
    {
        (familyId, coordinator, guardian) = await cast.FamilyAsync();
        intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        other = await guardian.CreateChannelAsync(familyId, "planning",
            [new ChannelMember(coordinator.Session!.UserId, Permissions.Write, "afspraken plannen")]);
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        server.Dispose();
    }

    [Fact]
    public async Task Deliver_ReachesTheHub_OnlyAfterItsAuditEntryIsCommitted()
    {
        var live = await ConnectAsync(coordinator);
        var sent = await guardian.SendAsync(familyId, intro.Id, "eerst in het logboek");
        Assert.Equal("eerst in het logboek", (await live.Messages.ReadAsync().AsTask().WaitAsync(Bound)).Text);

        var send = Assert.Single(sends, s => s.ChannelId == intro.Id && s.Seq == sent.Seq);
        Assert.Equal(1, send.Devices); // the coordinator's one connected device
        Assert.Equal(send.Devices, send.AuditedBefore);
    }

    [Fact]
    public async Task Deliver_AuditAppendFails_NothingSentNothingStoredAndTheSenderTold()
    {
        var live = await ConnectAsync(coordinator);
        // The audit store refuses delivery entries: the message commits with them or not at all.
        server.Sql(server.PostgresConnectionString is null
            ? """
              CREATE TRIGGER refuse_deliveries BEFORE INSERT ON AuditEntries WHEN NEW.Action = 'message.delivered'
              BEGIN SELECT RAISE(ABORT, 'the audit store is down (test)'); END
              """
            : """
              CREATE FUNCTION refuse_deliveries() RETURNS trigger LANGUAGE plpgsql
              AS $$ BEGIN RAISE EXCEPTION 'the audit store is down (test)'; END $$;
              CREATE TRIGGER refuse_deliveries BEFORE INSERT ON AuditEntries FOR EACH ROW
              WHEN (NEW.Action = 'message.delivered') EXECUTE FUNCTION refuse_deliveries();
              """);
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => guardian.SendAsync(familyId, intro.Id, "niet zonder logboek"));
        Assert.Equal(ProblemTypes.Internal, refused.ProblemType);
        server.Sql(server.PostgresConnectionString is null ? "DROP TRIGGER refuse_deliveries" : "DROP TRIGGER refuse_deliveries ON AuditEntries");

        // Sent later on another channel (no gap to fill): it must be the first thing the reader sees.
        await guardian.SendAsync(familyId, other.Id, "wel bezorgd");
        Assert.Equal((other.Id, "wel bezorgd"), await NextAsync(live));
        Assert.DoesNotContain(sends, s => s.ChannelId == intro.Id);
        Assert.Empty((await coordinator.HistoryAsync(familyId, intro.Id)).Messages);
    }

    private static async Task<(Guid, string?)> NextAsync(VaultConnection connection)
    {
        var message = await connection.Messages.ReadAsync().AsTask().WaitAsync(Bound);
        return (message.ChannelId, message.Text);
    }

    private async Task<VaultConnection> ConnectAsync(VaultClient client)
    {
        var connection = new VaultConnection(client);
        connections.Add(connection);
        await connection.StartAsync();
        return connection;
    }

    /// <summary>At the moment the hub sends a message to sockets: how many of its deliveries the log holds.</summary>
    private void Observe(IReadOnlyList<string> groups, MessageDelivery message)
    {
        var audited = (long)server.Scalar("SELECT COUNT(*) FROM AuditEntries WHERE Action = @action AND Resource = @resource",
            ("@action", AuditActions.MessageDelivered), ("@resource", $"{ConsentScopes.Channel(message.ChannelId)}/messages/{message.Seq}"))!;
        sends.Enqueue(new HubSend(message.ChannelId, message.Seq, groups.Count, audited));
    }

    private sealed record HubSend(Guid ChannelId, long Seq, int Devices, long AuditedBefore);

    /// <summary>The hub's real lifetime manager, reporting each message it sends (to connections or groups) before sending it.</summary>
    private sealed class ObservedLifetimeManager(ILogger<DefaultHubLifetimeManager<VaultHub>> logger,
        Action<IReadOnlyList<string>, MessageDelivery> observe) : DefaultHubLifetimeManager<VaultHub>(logger)
    {
        public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args,
            CancellationToken cancellationToken = default)
        {
            if (methodName == nameof(IVaultHubClient.Message) && args is [MessageDelivery message])
            {
                observe(groupNames, message);
            }
            return base.SendGroupsAsync(groupNames, methodName, args, cancellationToken);
        }

        public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
        {
            if (methodName == nameof(IVaultHubClient.Message) && args is [MessageDelivery message])
            {
                observe([groupName], message);
            }
            return base.SendGroupAsync(groupName, methodName, args, cancellationToken);
        }

        public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args,
            CancellationToken cancellationToken = default)
        {
            if (methodName == nameof(IVaultHubClient.Message) && args is [MessageDelivery message])
            {
                observe([connectionId], message);
            }
            return base.SendConnectionAsync(connectionId, methodName, args, cancellationToken);
        }
    }
}
