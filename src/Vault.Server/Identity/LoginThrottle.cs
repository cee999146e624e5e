using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// Failed logins slow down instead of locking an account. Per username and client address: after
/// <c>FreeFailuresPerAddress</c> failures each further one doubles the wait (1 s, 2 s, 4 s … up to
/// <c>MaxDelaySeconds</c>) before that address may try that name again; per username from all addresses together,
/// the same after <c>FreeFailuresPerUsername</c>, capped at a minute so that guesses spread over many addresses stay
/// slow while the real user is never shut out for long. The key is the normalised name as typed, looked at before the
/// account is: unknown and known names are counted and answered identically. State is in memory (per node) and
/// bounded; a restart forgets it, which costs an attacker nothing they could not get by waiting.
/// </summary>
public sealed class LoginThrottle(IOptions<VaultOptions> options, TimeProvider clock)
{
    private const int MaxEntries = 100_000;
    private static readonly TimeSpan Forget = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxSharedDelay = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset NotBefore;
        public DateTimeOffset LastFailure;
    }

    /// <summary>How long this address must wait before trying this name again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string username, IPAddress? client)
    {
        var now = clock.GetUtcNow();
        var wait = new[] { Key(username, client), Key(username, null) }
            .Select(key => entries.TryGetValue(key, out var entry) ? entry.NotBefore - now : TimeSpan.Zero)
            .Max();
        return wait > TimeSpan.Zero ? wait : null;
    }

    public void Failed(string username, IPAddress? client)
    {
        var policy = options.Value.RateLimits;
        var now = clock.GetUtcNow();
        Count(Key(username, client), policy.FreeFailuresPerAddress, TimeSpan.FromSeconds(policy.MaxDelaySeconds), now);
        Count(Key(username, null), policy.FreeFailuresPerUsername, MaxSharedDelay, now);
        if (entries.Count > MaxEntries)
        {
            Prune(now);
        }
    }

    /// <summary>A correct login clears what this address and the name had counted.</summary>
    public void Succeeded(string username, IPAddress? client)
    {
        entries.TryRemove(Key(username, client), out _);
        entries.TryRemove(Key(username, null), out _);
    }

    private void Count(string key, int free, TimeSpan max, DateTimeOffset now)
    {
        var entry = entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (now - entry.LastFailure > Forget)
            {
                entry.Failures = 0;
            }
            entry.Failures++;
            entry.LastFailure = now;
            var beyond = entry.Failures - free;
            if (beyond > 0)
            {
                var delay = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(beyond - 1, 30)));
                entry.NotBefore = now + (delay < max ? delay : max);
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in entries)
        {
            // Under a flood of names, what is neither delaying nor recent goes first.
            if (now - entry.LastFailure > Forget || (entry.NotBefore < now && now - entry.LastFailure > TimeSpan.FromMinutes(5)))
            {
                entries.TryRemove(key, out _);
            }
        }
    }

    // IPv6 clients are counted by their /64: one household or phone holds a whole /64.
    private static string Key(string username, IPAddress? client) => client is null
        ? "*|" + username
        : ClientAddress.Partition(client) + "|" + username;
}
