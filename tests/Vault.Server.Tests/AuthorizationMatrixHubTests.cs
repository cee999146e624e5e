using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;
using Xunit.Abstractions;

namespace Vault.Server.Tests;

/// <summary>
/// The real-time hub in the matrix: no connection without a valid device token; <c>Send</c> answers every role and
/// standing exactly as the REST send row does, the refusal carried as its problem (type, status, title); and a message
/// reaches the devices of its entitled readers and nobody else.
/// </summary>
[Collection(AuthorizationMatrixFixture.Collection)]
public sealed class AuthorizationMatrixHubTests(AuthorizationMatrixFixture f, ITestOutputHelper output)
{
    /// <summary>The hub's mapped routes (negotiation and the connection): the coverage guard counts them as covered here.</summary>
    internal static readonly string[] Covers = ["* /hubs/vault/negotiate", "* /hubs/vault"];

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a failure bound, never a wait

    [Fact]
    public async Task Hub_ConnectWithoutAValidDeviceToken_Refused()
    {
        var revoked = f.People.Single(p => p.Standing == Standing.RevokedDevice).Client!;
        var attempts = new (string Name, Func<Task<string>>? Token)[]
        {
            ("no token", null), ("a made-up token", () => Task.FromResult("not-a-token")), ("a revoked device's token", () => revoked.AccessTokenAsync()),
        };
        foreach (var (name, token) in attempts)
        {
            await using var hub = f.NewHub(token);
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {refused.StatusCode}");
        }
        await using var valid = f.NewHub(() => f.GuardianA.AccessTokenAsync());
        await valid.StartAsync();
        Assert.Equal(HubConnectionState.Connected, valid.State);
    }

    [Fact]
    public async Task Hub_Send_EveryRoleAndStanding_AnswersLikeRest_RefusalAsProblem()
    {
        var row = Matrix.Rows.Single(r => r.Route == "POST /families/{familyId:guid}/channels/{channelId:guid}/messages");
        var failures = new List<string>();
        string? nowhere = null;
        foreach (var (plain, plainTwin) in Matrix.Cells(row, f).Where(x => x.Cell.Who.SignedIn))
        {
            var cell = plain with { Expected = Matrix.Expect(row, plain) };
            var (delivered, refusal) = await SendAsync(cell);
            var expected = cell.Expected;
            string? failure = null;
            if (expected.Success)
            {
                failure = delivered is { } m && m.SenderUserId == cell.UserId && m.ChannelId == cell.World.ChannelId
                    ? null
                    : $"refused: {refusal}";
            }
            else if (refusal is null || !refusal.StartsWith($"{expected.Type} {expected.Status} ", StringComparison.Ordinal))
            {
                failure = refusal is null ? "delivered" : $"refused with \"{refusal}\"";
            }
            else if (cell.World.Secrets.FirstOrDefault(s => refusal.Contains(s, StringComparison.OrdinalIgnoreCase)) is { } named)
            {
                failure = $"the refusal names {named}";
            }
            else if (expected.Status == 404 || cell.World.ForeignIds)
            {
                var twin = plainTwin with { Expected = Matrix.Expect(row, plainTwin) };
                var baseline = twin.World == f.Nowhere ? nowhere ??= (await SendAsync(twin)).Refusal : (await SendAsync(twin)).Refusal;
                failure = refusal == baseline ? null : $"distinguishable from a random id: \"{refusal}\" vs \"{baseline}\"";
            }
            if (failure is not null)
            {
                failures.Add($"hub Send as {cell} (expected {expected}): {failure}");
            }
        }
        failures.ForEach(output.WriteLine);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Hub_RealTimeDelivery_OnlyToTheEntitledReadersDevices()
    {
        var familyA = f.A;
        var listeners = f.People.Where(p => p.SignedIn && p.Standing != Standing.OtherFamily)
            .Append(new Person(Roles.Guardian, Standing.OtherFamily, f.GuardianB)).ToList();
        foreach (var listener in listeners)
        {
            await f.HubAsync(listener);
        }
        var scope = ConsentScopes.Channel(familyA.ChannelId);
        var entitled = listeners.Where(p => p.UserId == familyA.GuardianId || p.Holds(scope, Permissions.Read)).ToList();

        var sent = await f.GuardianA.SendAsync(familyA.FamilyId, familyA.ChannelId, "realtime voor het gezin");
        using var bound = new CancellationTokenSource(Bound); // a failure bound, never a wait
        foreach (var reader in entitled)
        {
            var delivery = await (await f.HubAsync(reader)).Received.WaitForAsync(sent.ClientMessageId, bound.Token);
            var opened = await reader.Client!.OpenAsync(delivery);
            Assert.True(opened is { Authentic: true, Text: "realtime voor het gezin" }, $"{reader} could not read it");
        }
        var elsewhere = await f.GuardianB.SendAsync(f.B.FamilyId, f.B.ChannelId, "realtime voor gezin B");
        await (await f.HubAsync(listeners[^1])).Received.WaitForAsync(elsewhere.ClientMessageId, bound.Token);

        // Nobody else: the server audits each device's delivery before it sends, and sends to those devices only. The
        // send returned after delivery, so the log is complete for both messages.
        Assert.Equal(entitled.Select(p => p.UserId).Order(), DeliveredTo(familyA.ChannelId, sent.Seq).Order());
        Assert.Equal([f.GuardianB.Session!.UserId], DeliveredTo(f.B.ChannelId, elsewhere.Seq));
    }

    private List<Guid> DeliveredTo(Guid channelId, long seq) =>
        f.Server.Column<Guid>("SELECT ActorUserId FROM AuditEntries WHERE Action = 'message.delivered' AND Resource = @r",
            ("@r", $"{ConsentScopes.Channel(channelId)}/messages/{seq}"));

    /// <summary>Sends as the REST row would, over the caller's hub connection; a refusal as "{type} {status} {title}".</summary>
    private async Task<(MessageDelivery? Delivered, string? Refusal)> SendAsync(Cell cell)
    {
        var (request, _) = await Matrix.MessageAsync(cell);
        var (hub, _) = await f.HubAsync(cell.Who);
        var result = await hub.InvokeAsync<SendResult>("Send", cell.World.FamilyId, cell.World.ChannelId, request);
        return (result.Message, result.Refusal is { } r ? $"{r.Type} {r.Status} {r.Title}" : null);
    }
}
