using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// Failed logins slow down instead of locking an account. Per username and client address: after
/// <c>FreeFailuresPerAddress</c> failures each further one doubles the wait (1 s, 2 s, 4 s … up to
/// <c>MaxDelaySeconds</c>) before that address may try that name again. Per username from all addresses together, the
/// same after <c>FreeFailuresPerUsername</c> (capped at a minute), but only for addresses that have themselves failed
/// for that name: guesses spread over many addresses get one free try per address and then wait, while the real user,
/// from an address that never guessed wrong, is never held up by someone else's guessing. The key is the normalised
/// (valid) name as typed, looked at before the account is: unknown and known names are counted and answered alike.
/// State is in memory (per node), at most <see cref="MaxEntries"/> entries (the oldest go first); a restart forgets it,
/// which costs an attacker nothing they could not get by waiting.
/// </summary>
public sealed class LoginThrottle(IOptions<VaultOptions> options, TimeProvider clock)
{
    public const int MaxEntries = 100_000;
    private static readonly TimeSpan Forget = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxSharedDelay = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset NotBefore;
        public DateTimeOffset LastFailure;
    }

    /// <summary>How many names and name-address pairs are remembered now.</summary>
    public int Tracked => entries.Count;

    /// <summary>How long this address must wait before trying this name again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string username, IPAddress? client)
    {
        var now = clock.GetUtcNow();
        if (!entries.TryGetValue(Key(username, client), out var own) || now - own.LastFailure > Forget)
        {
            return null; // never failed for this name: the shared wait is not for this address
        }
        var wait = own.NotBefore - now;
        if (entries.TryGetValue(Key(username, null), out var shared) && shared.NotBefore - now > wait)
        {
            wait = shared.NotBefore - now;
        }
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

    /// <summary>Forgets what is old; if that is not enough, the least recently failed quarter.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in entries)
        {
            if (now - entry.LastFailure > Forget)
            {
                entries.TryRemove(key, out _);
            }
        }
        if (entries.Count > MaxEntries)
        {
            foreach (var (key, _) in entries.OrderBy(e => e.Value.LastFailure).Take(entries.Count - MaxEntries * 3 / 4).ToList())
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
