using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OtpNet;
using Vault.Client;

namespace Vault.Benchmarks.Documents;

/// <summary>What the client process reports about one transfer: wall time, its own CPU time and peak resident memory.</summary>
public sealed record TransferResult(string Kind, long Bytes, double Seconds, double CpuSeconds, long PeakBytes, long RssBeforeBytes,
    Guid DocumentId, int Version, bool Verified, TimeSplit Split, long JitMethods, double JitSeconds);

/// <summary>
/// `documents-client URL FAMILY CODE USERNAME`: the SDK in a process of its own, so that its peak memory is its own. It
/// registers with the family invitation CODE (a guardian), warms up with one small round trip (JIT, the category's key
/// ring, connections), prints "bench:ready", then answers "upload BYTES SEED" and "download DOCUMENT VERSION BYTES SEED"
/// on stdin with "bench:result {json}", one at a time, until stdin closes. Before each transfer it resets its peak
/// resident memory (<see cref="ProcMemory.ResetPeak"/>), so the peak reported is that transfer's.
/// </summary>
public static class DocumentClient
{
    public const string Prefix = "bench:";
    public const string Category = "plan";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly RequestTimer Timer = new();

    /// <summary>Warm-up round trips: small ones (two chunks, one PATCH), then three-block ones until one compiles at most QuietMethods methods.</summary>
    private static readonly (int SmallRounds, int MinLargeRounds, int MaxLargeRounds, int QuietMethods, long SmallBytes, long LargeBytes) WarmUp =
        (40, 2, 10, 5, 100_000, 3 * Vault.Crypto.DocumentFormat.BlockBytes - 1000);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4 || !Guid.TryParse(args[1], out var familyId))
        {
            await Console.Error.WriteLineAsync("usage: documents-client URL FAMILY-ID INVITATION-CODE USERNAME (started by `documents`)");
            return 2;
        }
        using var http = new HttpClient(Timer) { BaseAddress = new Uri(args[0]), Timeout = Timeout.InfiniteTimeSpan };
        var client = new VaultClient(http);
        var registered = await client.AcceptInvitationAsync(args[2], args[3], Roster.Passphrase, "laptop");
        await client.LoginAsync(args[3], Roster.Passphrase, registered.DeviceId, client.Session!.Device,
            registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp(DateTime.UtcNow) : null);

        Console.WriteLine(Prefix + "ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["warmup"])
            {
                try
                {
                    Console.WriteLine(Prefix + "warm " + (await WarmUpAsync(client, familyId)).ToString(CultureInfo.InvariantCulture));
                }
                catch (InvalidOperationException e)
                {
                    Console.WriteLine(Prefix + "error " + e.Message); // the driver reports it as this measurement's failure
                }
                continue;
            }
            var result = words switch
            {
                ["upload", var bytes, var seed] => await UploadAsync(client, familyId, Long(bytes), (int)Long(seed)),
                ["download", var document, var version, var bytes, var seed] =>
                    await DownloadAsync(client, familyId, Guid.Parse(document), (int)Long(version), Long(bytes), (int)Long(seed)),
                _ => null,
            };
            Console.WriteLine(result is null ? Prefix + "error unknown command: " + line : Prefix + "result " + JsonSerializer.Serialize(result, Json));
        }
        return 0;
    }

    /// <summary>
    /// Round trips that leave the JIT nearly done in both processes: a fresh process otherwise spends much of its first
    /// transfers compiling (tier 0, then tier 1 with PGO in the background once a method has run 30 times), which a
    /// long-running client or server has behind it. Small documents make many requests (per-request code, here and in
    /// the server); three-block ones heat the per-chunk and per-block paths, until one compiles next to nothing here.
    /// Returns the number of round trips.
    /// </summary>
    private static async Task<int> WarmUpAsync(VaultClient client, Guid familyId)
    {
        for (var round = 0; ; round++)
        {
            var large = round >= WarmUp.SmallRounds;
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            var bytes = large ? WarmUp.LargeBytes : WarmUp.SmallBytes;
            var warm = await UploadAsync(client, familyId, bytes, seed: round);
            if (!(await DownloadAsync(client, familyId, warm.DocumentId, warm.Version, bytes, seed: round)).Verified)
            {
                throw new InvalidOperationException("a warm-up round trip came back different");
            }
            var quiet = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= WarmUp.QuietMethods;
            if (large && ((round + 1 - WarmUp.SmallRounds >= WarmUp.MinLargeRounds && quiet) || round + 1 - WarmUp.SmallRounds >= WarmUp.MaxLargeRounds))
            {
                return round + 1;
            }
        }
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static async Task<TransferResult> UploadAsync(VaultClient client, Guid familyId, long bytes, int seed)
    {
        var (rss, cpu, jit, clock) = Start();
        var uploaded = await client.UploadDocumentAsync(familyId, Category, new GeneratedContentStream(bytes, seed),
            new UploadOptions { Name = "bench.bin", ContentType = "application/octet-stream" });
        return new TransferResult("upload", bytes, clock.Elapsed.TotalSeconds, Cpu() - cpu, ProcMemory.Peak(Environment.ProcessId), rss,
            uploaded.DocumentId, uploaded.Version, Verified: true, Timer.Take(),
            System.Runtime.JitInfo.GetCompiledMethodCount() - jit.Methods, (System.Runtime.JitInfo.GetCompilationTime() - jit.Time).TotalSeconds);
    }

    private static async Task<TransferResult> DownloadAsync(VaultClient client, Guid familyId, Guid documentId, int version, long bytes, int seed)
    {
        var (rss, cpu, jit, clock) = Start();
        await using var sink = new VerifyingSinkStream(seed);
        await client.DownloadDocumentAsync(familyId, documentId, version, sink);
        return new TransferResult("download", bytes, clock.Elapsed.TotalSeconds, Cpu() - cpu, ProcMemory.Peak(Environment.ProcessId), rss,
            documentId, version, Verified: !sink.Mismatch && sink.Written == bytes, Timer.Take(),
            System.Runtime.JitInfo.GetCompiledMethodCount() - jit.Methods, (System.Runtime.JitInfo.GetCompilationTime() - jit.Time).TotalSeconds);
    }

    private static (long Rss, double Cpu, (long Methods, TimeSpan Time) Jit, Stopwatch Clock) Start()
    {
        var self = Environment.ProcessId;
        ProcMemory.ResetPeak(self);
        Timer.Take();
        return (ProcMemory.Rss(self), Cpu(), (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime()),
            Stopwatch.StartNew());
    }

    private static double Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
