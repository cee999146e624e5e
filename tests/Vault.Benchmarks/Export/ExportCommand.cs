using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using OtpNet;
using Vault.Benchmarks.Documents;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Export;

/// <summary>
/// `export`: the data-subject export of a large family against one a tenth of its size, each with the server's own
/// binary and the SDK (<see cref="ExportClient"/>) in processes of their own, so each peak resident memory is that
/// process's alone (reset just before the export). Flat memory shows as peaks that barely move while the family grows
/// tenfold. See README.md and docs/benchmarks.md.
/// </summary>
public static class ExportCommand
{
    private const string Usage = """
        usage: dotnet run -c Release --project tests/Vault.Benchmarks -- export [options]
          --messages N     messages of the large family (default 10000; the small one has a tenth)
          --documents N    small documents (~2 KB) of the large family (default 1000; the small one has a tenth)
          --quick          smoke size: 300 messages, 30 documents
          --markdown FILE  also write the table to FILE
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var quick = args.Contains("--quick");
        var messages = Option(args, "--messages", quick ? 300 : 10_000);
        var documents = Option(args, "--documents", quick ? 30 : 1_000);
        var markdown = Array.IndexOf(args, "--markdown") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        var root = Path.Combine(Path.GetTempPath(), "vault-bench", "export-" + Guid.NewGuid().ToString("N"));
        var header = Invariant($"# Vault export benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}; {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; arguments: {(args.Length == 0 ? "(defaults)" : string.Join(' ', args))}");
        Console.WriteLine(header);
        var rows = new List<string>();
        var results = new List<(ExportRunResult Sdk, long ServerPeak, long ServerBefore)>();
        try
        {
            foreach (var (name, m, d) in new[] { ("small", messages / 10, documents / 10), ("large", messages, documents) })
            {
                var (sdk, serverPeak, serverBefore) = await MeasureAsync(name, Path.Combine(root, name), m, d);
                results.Add((sdk, serverPeak, serverBefore));
                rows.Add(Invariant($"| {name} | {sdk.Messages:N0} | {sdk.DocumentVersions:N0} | {sdk.AuditEntries:N0} | {sdk.PackageBytes / 1048576.0:0.0} | {sdk.Seconds:0.0} | {sdk.CpuSeconds:0.0} | {Mib(sdk.PeakBytes)} ({Mib(sdk.RssBeforeBytes)}) | {Mib(serverPeak)} ({Mib(serverBefore)}) | {(sdk.Verified ? "yes" : "NO")}, {sdk.MessagesDecrypted:N0} decrypted, {sdk.DocumentsWritten:N0} files |"));
                Console.WriteLine(rows[^1]);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // a temporary directory
            }
        }
        var (small, large) = (results[0], results[1]);
        var table = new List<string>
        {
            "| family | messages | document versions | audit entries | package MiB | export s | SDK CPU s | SDK peak MiB (before) | server peak MiB (before) | verified |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        };
        table.AddRange(rows);
        table.Add(Invariant($"| large / small | {(double)large.Sdk.Messages / small.Sdk.Messages:0.0}× | {(double)large.Sdk.DocumentVersions / small.Sdk.DocumentVersions:0.0}× | | {(double)large.Sdk.PackageBytes / small.Sdk.PackageBytes:0.0}× | {large.Sdk.Seconds / small.Sdk.Seconds:0.0}× | | {(double)large.Sdk.PeakBytes / small.Sdk.PeakBytes:0.00}× | {(double)large.ServerPeak / small.ServerPeak:0.00}× | |"));
        Console.WriteLine();
        table.ForEach(Console.WriteLine);
        if (markdown is not null)
        {
            File.WriteAllLines(markdown, table.Prepend("").Prepend("    " + header));
        }
        return results.All(r => r.Sdk.Verified) ? 0 : 1;
    }

    private static async Task<(ExportRunResult Sdk, long ServerPeak, long ServerBefore)> MeasureAsync(string name, string data, int messages,
        int documents)
    {
        Directory.CreateDirectory(data);
        await using var server = DocumentsSetup.StartServer("export-" + name, data, new Dictionary<string, string>(), null);
        var url = await server.Url.WaitAsync(TimeSpan.FromMinutes(2));
        var admin = await RegisterAsync(url, await server.AdminInvitation.WaitAsync(TimeSpan.FromMinutes(2)), "admin");
        var coordinator = await RegisterAsync(url, (await admin.CreateInvitationAsync(Roles.Coordinator)).Code, "coordinator");
        var family = await coordinator.CreateFamilyAsync(new CreateFamilyRequest("KG-export-" + name, "GM0363", new DateOnly(2026, 11, 1), null));
        var invitation = await coordinator.InviteToFamilyAsync(family.Id, Roles.Guardian);
        await using var client = await ChildProcess.StartAsync(["export-client", url.ToString(), family.Id.ToString(), invitation.Code,
            "moeder-" + name, coordinator.Session!.UserId.ToString()]);
        var seeding = Stopwatch.StartNew();
        await client.AskAsync(Invariant($"seed {messages} {documents}"), "seeded");
        Console.WriteLine(Invariant($"{name}: seeded {messages} messages and {documents} documents in {seeding.Elapsed.TotalSeconds:0} s"));
        ProcMemory.ResetPeak(server.Pid);
        var before = ProcMemory.Rss(server.Pid);
        var reply = await client.AskAsync("export " + Path.Combine(data, "archive"), "result ");
        var peak = ProcMemory.Peak(server.Pid);
        return (JsonSerializer.Deserialize<ExportRunResult>(reply, Json)!, peak, before);
    }

    private static async Task<VaultClient> RegisterAsync(Uri url, string code, string username)
    {
        var client = new VaultClient(new HttpClient { BaseAddress = url });
        var registered = await client.AcceptInvitationAsync(code, username, Roster.Passphrase, "laptop");
        await client.LoginAsync(username, Roster.Passphrase, registered.DeviceId, client.Session!.Device,
            registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp(DateTime.UtcNow) : null);
        return client;
    }

    private static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:0}");

    private static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;

    /// <summary>This program again in a child process, answering "bench:" lines on stdout to commands on stdin.</summary>
    private sealed class ChildProcess : IAsyncDisposable
    {
        private readonly Process process;
        private readonly Channel<string> replies = Channel.CreateUnbounded<string>();

        private ChildProcess(Process process) => this.process = process;

        public static async Task<ChildProcess> StartAsync(string[] args)
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
            var start = Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? new ProcessStartInfo(self) { ArgumentList = { typeof(ChildProcess).Assembly.Location } }
                : new ProcessStartInfo(self);
            args.ToList().ForEach(start.ArgumentList.Add);
            start.Environment["DOTNET_gcServer"] = "0"; // a client app's GC, as in `documents`
            start.RedirectStandardInput = start.RedirectStandardOutput = true;
            start.UseShellExecute = false;
            var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the client"));
            _ = child.ReadAsync();
            await child.ReplyAsync("ready");
            return child;
        }

        public async Task<string> AskAsync(string command, string answer)
        {
            await process.StandardInput.WriteLineAsync(command);
            await process.StandardInput.FlushAsync();
            return await ReplyAsync(answer);
        }

        private async Task<string> ReplyAsync(string answer)
        {
            var reply = await replies.Reader.ReadAsync();
            return reply.StartsWith(answer, StringComparison.Ordinal) ? reply[answer.Length..]
                : throw new InvalidOperationException("the client process: " + reply);
        }

        private async Task ReadAsync()
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(DocumentClient.Prefix, StringComparison.Ordinal))
                {
                    await replies.Writer.WriteAsync(line[DocumentClient.Prefix.Length..]);
                }
            }
            replies.Writer.TryComplete(new InvalidOperationException($"the client process exited"));
        }

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.Dispose();
        }
    }
}
