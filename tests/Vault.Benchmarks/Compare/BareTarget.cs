using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;

namespace Vault.Benchmarks.Compare;

/// <summary>The bare hub: connection r joins group "g{r / 10}"; a payload carries phase, sender, number and send time.</summary>
public sealed class BareTarget(ServerProcess server, int groupSize) : ILoadTarget
{
    private const int Header = 20;
    private readonly List<HubConnection> connections = [];
    private PhaseTracker? current;
    private long strays;

    public string Name => "bare hub";
    public bool HasDatabase => false;
    public int GroupSize => groupSize;
    public ServerWatch Watch { get; } = new([server], []);

    /// <summary>Set to the size of Vault's envelopes once known, so both carry the same bytes.</summary>
    public int PayloadBytes { get; set; } = 1129;

    public async Task ConnectAsync(int count, CancellationToken ct)
    {
        var url = new Uri(await server.Url, BareHub.Path);
        using var gate = new SemaphoreSlim(16);
        var added = Enumerable.Range(connections.Count, Math.Max(0, count - connections.Count)).Select(r =>
        {
            var hub = new HubConnectionBuilder().WithUrl(url).Build();
            hub.On<byte[]>("m", payload => Receive(r, payload));
            connections.Add(hub);
            return (Index: r, Hub: hub);
        }).ToList();
        await Task.WhenAll(added.Select(async c =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await c.Hub.StartAsync(ct);
                await c.Hub.InvokeAsync("Join", Group(c.Index / groupSize), ct);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public void Begin(PhaseTracker tracker) => Volatile.Write(ref current, tracker);

    public Task SendAsync(int sender, int k, long t0, CancellationToken ct)
    {
        var payload = new byte[Math.Max(Header, PayloadBytes)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, Volatile.Read(ref current)!.Phase);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), sender);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), k);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(12), t0);
        return connections[sender].InvokeAsync<int>("Send", Group(sender / groupSize), payload, ct);
    }

    public Task SendMarkerAsync(int group, CancellationToken ct) => SendAsync(group * groupSize, -1, Stopwatch.GetTimestamp(), ct);

    public Task EndAsync()
    {
        Volatile.Write(ref current, null);
        return Task.CompletedTask;
    }

    public (string Text, long Strays) Notes() => ("", Interlocked.Exchange(ref strays, 0));

    private void Receive(int receiver, byte[] payload)
    {
        var now = Stopwatch.GetTimestamp();
        var phase = Volatile.Read(ref current);
        if (phase is null || payload.Length < Header || BinaryPrimitives.ReadInt32LittleEndian(payload) != phase.Phase)
        {
            Interlocked.Increment(ref strays);
            return;
        }
        var sender = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(4));
        var k = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(8));
        if (k < 0)
        {
            phase.Marker(receiver);
            return;
        }
        phase.Delivered(receiver, sender, k, BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(12)), now);
    }

    private static string Group(int group) => "g" + group.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in connections)
        {
            await hub.DisposeAsync();
        }
    }
}
