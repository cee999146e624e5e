using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OtpNet;
using Vault.Benchmarks.Documents;
using Vault.Client;
using Vault.Contracts;

namespace Vault.Benchmarks.Export;

/// <summary>What the client process reports about one export: wall and CPU time, its peak resident memory, the outcome.</summary>
public sealed record ExportRunResult(double Seconds, double CpuSeconds, long PeakBytes, long RssBeforeBytes, long PackageBytes,
    bool Verified, long Messages, long DocumentVersions, long MessagesDecrypted, int DocumentsWritten, long AuditEntries);

/// <summary>
/// `export-client URL FAMILY CODE USERNAME COORDINATOR-ID`: the SDK in a process of its own (its peak memory is its own).
/// It registers as a guardian with CODE, prints "bench:ready", then answers "seed MESSAGES DOCUMENTS" (one channel with
/// the coordinator, MESSAGES messages, DOCUMENTS small documents) with "bench:seeded", and "export DIR" with
/// "bench:result {json}", its peak resident memory reset just before the export.
/// </summary>
public static class ExportClient
{
    private const int SeedParallelism = 8;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5 || !Guid.TryParse(args[1], out var familyId) || !Guid.TryParse(args[4], out var coordinator))
        {
            await Console.Error.WriteLineAsync("usage: export-client URL FAMILY-ID INVITATION-CODE USERNAME COORDINATOR-ID (started by `export`)");
            return 2;
        }
        using var http = new HttpClient { BaseAddress = new Uri(args[0]), Timeout = Timeout.InfiniteTimeSpan };
        var client = new VaultClient(http);
        var registered = await client.AcceptInvitationAsync(args[2], args[3], Roster.Passphrase, "laptop");
        await client.LoginAsync(args[3], Roster.Passphrase, registered.DeviceId, client.Session!.Device,
            registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp(DateTime.UtcNow) : null);
        Console.WriteLine(DocumentClient.Prefix + "ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words)
                {
                    case ["seed", var messages, var documents]:
                        await SeedAsync(client, familyId, coordinator, int.Parse(messages, CultureInfo.InvariantCulture),
                            int.Parse(documents, CultureInfo.InvariantCulture));
                        Console.WriteLine(DocumentClient.Prefix + "seeded");
                        break;
                    case ["export", var directory]:
                        Console.WriteLine(DocumentClient.Prefix + "result " + JsonSerializer.Serialize(await ExportAsync(client, familyId, directory), Json));
                        break;
                    default:
                        Console.WriteLine(DocumentClient.Prefix + "error unknown command: " + line);
                        break;
                }
            }
            catch (Exception e) when (e is VaultApiException or InvalidOperationException or HttpRequestException or IOException)
            {
                Console.WriteLine(DocumentClient.Prefix + "error " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" "));
            }
        }
        return 0;
    }

    private static async Task SeedAsync(VaultClient client, Guid familyId, Guid coordinator, int messages, int documents)
    {
        var channel = await client.CreateChannelAsync(familyId, "kennismaking",
            [new ChannelMember(coordinator, Permissions.Write, "begeleiding van het gezin")]);
        var options = new ParallelOptions { MaxDegreeOfParallelism = SeedParallelism };
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), options, async (i, ct) =>
            await client.SendAsync(familyId, channel.Id, string.Create(CultureInfo.InvariantCulture,
                $"Bericht {i}: een gewoon bericht van een paar zinnen lang, zoals ouders en hulpverleners elkaar schrijven."), ct: ct));
        // The first upload starts the category's key ring; after it, uploads share its epoch.
        await UploadAsync(client, familyId, 0, CancellationToken.None);
        await Parallel.ForEachAsync(Enumerable.Range(1, Math.Max(0, documents - 1)), options, async (i, ct) =>
            await UploadAsync(client, familyId, i, ct));
    }

    private static async Task UploadAsync(VaultClient client, Guid familyId, int i, CancellationToken ct)
    {
        await client.UploadDocumentAsync(familyId, "plan", new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 2000 + i))),
            new UploadOptions { Name = string.Create(CultureInfo.InvariantCulture, $"plan-{i}.txt"), ContentType = "text/plain" }, ct);
    }

    private static async Task<ExportRunResult> ExportAsync(VaultClient client, Guid familyId, string directory)
    {
        var self = Environment.ProcessId;
        GC.Collect();
        ProcMemory.ResetPeak(self);
        var rss = ProcMemory.Rss(self);
        var cpu = Cpu();
        var clock = Stopwatch.StartNew();
        var result = await client.ExportFamilyAsync(familyId, directory);
        var seconds = clock.Elapsed.TotalSeconds;
        return new ExportRunResult(seconds, Cpu() - cpu, ProcMemory.Peak(self), rss, new FileInfo(Path.Combine(directory, "package.ndjson")).Length,
            result.Verified, result.Counts["messages"], result.Counts["documentVersions"], result.MessagesDecrypted, result.DocumentsWritten,
            result.Counts["audit"]);
    }

    private static double Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
