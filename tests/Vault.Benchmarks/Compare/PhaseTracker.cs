using System.Diagnostics;
using System.Numerics;

namespace Vault.Benchmarks.Compare;

/// <summary>
/// Latencies in microseconds, log-linear buckets of 1/64 (about 1.6 % error): fixed memory whatever the rate, so
/// recording 200,000 deliveries a second costs the load driver no allocation.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Linear = 128;
    private readonly long[] counts = new long[Linear + 64 * 58];

    public long Count { get; private set; }

    public void Add(double milliseconds)
    {
        var us = (long)Math.Max(0, milliseconds * 1000);
        counts[Index(us)]++;
        Count++;
    }

    public void Merge(LatencyHistogram other)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] += other.counts[i];
        }
        Count += other.Count;
    }

    /// <summary>The value in milliseconds below which <paramref name="p"/> % of the samples lie (NaN when empty).</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(p / 100 * Count));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Value(i) / 1000.0;
            }
        }
        return Value(counts.Length - 1) / 1000.0;
    }

    private static int Index(long us)
    {
        if (us < Linear)
        {
            return (int)us;
        }
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)us) - 6; // us >> shift lies in [64, 128)
        return Math.Min(Linear + (shift - 1) * 64 + (int)(us >> shift) - 64, Linear + 64 * 58 - 1);
    }

    private static double Value(int index)
    {
        if (index < Linear)
        {
            return index;
        }
        var shift = (index - Linear) / 64 + 1;
        var top = (index - Linear) % 64 + 64;
        return ((long)top << shift) + (1L << shift) / 2.0; // the middle of the bucket
    }
}

/// <summary>
/// What one phase saw, for either hub: connection r is member r % groupSize of group r / groupSize, and so is sender
/// r. A receiver checks every delivery against the previous one from the same sender: the next number is in order,
/// a lower one is a duplicate, a higher one skipped something (out of order). Each receiver is fed by one connection's
/// handler at a time; the lock only makes the final read safe.
/// </summary>
public sealed class PhaseTracker
{
    private readonly Receiver[] receivers;
    private readonly long[] sent;
    private readonly LatencyHistogram acks = new();
    private readonly Lock ackGate = new();
    private readonly TaskCompletionSource allMarkers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int markersMissing;

    public PhaseTracker(int phase, int connections, int groupSize)
    {
        Phase = phase;
        GroupSize = groupSize;
        receivers = Enumerable.Range(0, connections).Select(_ => new Receiver(groupSize)).ToArray();
        sent = new long[connections];
        markersMissing = connections;
    }

    public int Phase { get; }
    public int GroupSize { get; }
    public int Connections => receivers.Length;
    public System.Collections.Concurrent.ConcurrentQueue<string> SendErrors { get; } = new();

    /// <summary>Set when every connection has seen its group's end-of-phase marker.</summary>
    public Task AllMarkers => allMarkers.Task;

    public void Acknowledged(int sender, long t0)
    {
        Interlocked.Increment(ref sent[sender]);
        var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        lock (ackGate)
        {
            acks.Add(ms);
        }
    }

    public void Delivered(int receiver, int sender, int k, long t0, long now)
    {
        var r = receivers[receiver];
        lock (r)
        {
            if (sender / GroupSize != receiver / GroupSize || sender >= receivers.Length)
            {
                r.Unauthorized++;
                return;
            }
            var last = r.LastK[sender % GroupSize];
            if (k <= last)
            {
                r.Duplicates++;
                return;
            }
            if (k > last + 1)
            {
                r.OutOfOrder++;
            }
            r.LastK[sender % GroupSize] = k;
            r.Delivered++;
            r.Latency.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
        }
    }

    public void Marker(int receiver)
    {
        var r = receivers[receiver];
        lock (r)
        {
            if (r.SawMarker)
            {
                r.Duplicates++;
                return;
            }
            r.SawMarker = true;
        }
        if (Interlocked.Decrement(ref markersMissing) == 0)
        {
            allMarkers.TrySetResult();
        }
    }

    /// <summary>A delivery the receiver must not have: another group's, or none the phase sent.</summary>
    public void Unauthorized(int receiver) => Count(receiver, r => r.Unauthorized++);

    /// <summary>A delivery whose signature or decryption failed (Vault).</summary>
    public void Unauthentic(int receiver) => Count(receiver, r => r.Unauthentic++);

    /// <summary>A gap in the channel's sequence numbers (Vault), beyond the per-sender check.</summary>
    public void OutOfOrder(int receiver) => Count(receiver, r => r.OutOfOrder++);

    private void Count(int receiver, Action<Receiver> count)
    {
        var r = receivers[receiver];
        lock (r)
        {
            count(r);
        }
    }

    public sealed record Totals(long Sent, long Expected, long Delivered, long Duplicates, long OutOfOrder, long Unauthorized,
        long Unauthentic, int MarkersMissing, LatencyHistogram Latency, LatencyHistogram Acks)
    {
        public long Lost => Expected - Delivered;
        public long Faults => Math.Max(0, Lost) + Duplicates + OutOfOrder + Unauthorized + Unauthentic + MarkersMissing;
    }

    public Totals Sum()
    {
        var latency = new LatencyHistogram();
        long delivered = 0, duplicates = 0, outOfOrder = 0, unauthorized = 0, unauthentic = 0, expected = 0;
        var missing = 0;
        for (var i = 0; i < receivers.Length; i++)
        {
            var r = receivers[i];
            lock (r)
            {
                latency.Merge(r.Latency);
                delivered += r.Delivered;
                duplicates += r.Duplicates;
                outOfOrder += r.OutOfOrder;
                unauthorized += r.Unauthorized;
                unauthentic += r.Unauthentic;
                missing += r.SawMarker ? 0 : 1;
            }
            var group = i / GroupSize * GroupSize;
            for (var s = group; s < Math.Min(group + GroupSize, receivers.Length); s++)
            {
                expected += Interlocked.Read(ref sent[s]);
            }
        }
        lock (ackGate)
        {
            var ackCopy = new LatencyHistogram();
            ackCopy.Merge(acks);
            return new(sent.Sum(), expected, delivered, duplicates, outOfOrder, unauthorized, unauthentic, missing, latency, ackCopy);
        }
    }

    private sealed class Receiver(int groupSize)
    {
        public int[] LastK { get; } = Enumerable.Repeat(-1, groupSize).ToArray();
        public LatencyHistogram Latency { get; } = new();
        public long Delivered { get; set; }
        public long Duplicates { get; set; }
        public long OutOfOrder { get; set; }
        public long Unauthorized { get; set; }
        public long Unauthentic { get; set; }
        public bool SawMarker { get; set; }
    }
}
