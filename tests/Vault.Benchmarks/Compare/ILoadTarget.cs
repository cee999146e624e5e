namespace Vault.Benchmarks.Compare;

/// <summary>
/// What `compare` drives: N connections in groups of <see cref="GroupSize"/>; sender r is connection r. A send
/// returns when the server acknowledged it; receivers report to the phase's <see cref="PhaseTracker"/>.
/// Two implementations: Vault's hub through the SDK, and the bare rebroadcast hub.
/// </summary>
public interface ILoadTarget : IAsyncDisposable
{
    string Name { get; }
    int GroupSize { get; }
    bool HasDatabase { get; }

    /// <summary>The server process(es) behind it, for CPU time and the server's own figures.</summary>
    ServerWatch Watch { get; }

    /// <summary>Opens connections until <paramref name="count"/> are open (earlier ones stay open).</summary>
    Task ConnectAsync(int count, CancellationToken ct);

    /// <summary>Receivers feed <paramref name="tracker"/> until <see cref="EndAsync"/>.</summary>
    void Begin(PhaseTracker tracker);

    Task SendAsync(int sender, int k, long t0, CancellationToken ct);

    /// <summary>After every send of the phase was acknowledged: a last message per group that follows all of them.</summary>
    Task SendMarkerAsync(int group, CancellationToken ct);

    Task EndAsync();

    /// <summary>
    /// Driver-side notes since the last call (e.g. the SDK's history requests), and deliveries that belong to no phase
    /// (they arrived after their phase was over, or were never sent): faults.
    /// </summary>
    (string Text, long Strays) Notes();
}
