using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vault.Benchmarks.Compare;

/// <summary>
/// `serve vault [--no-probe] [--data DIR [--keep-data]] [--setting KEY=VALUE]...` and `serve bare`: one server under test
/// in this process, for `compare`, which starts this program again with these arguments. Prints "bench:listening URL"
/// (and for Vault "bench:admin CODE" if it printed a first admin's invitation), then answers each "stats" line on stdin
/// with "bench:stats {json}"; stops when stdin closes. Nodes of one installation share --data (the server's keys); all
/// but the first keep it when they stop.
/// </summary>
public static class Serve
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = args.Length > 1 ? args[1] : "";
        if (kind == "vault")
        {
            var settings = new Dictionary<string, string>();
            string? data = null;
            for (var i = 2; i < args.Length - 1; i++)
            {
                if (args[i] == "--setting" && args[i + 1].Split('=', 2) is [var key, var value])
                {
                    settings[key] = value;
                }
                else if (args[i] == "--data")
                {
                    data = args[i + 1];
                }
            }
            var probe = new ServerProbe(keepSamples: false);
            var attach = !args.Contains("--no-probe");
            var keep = args.Contains("--keep-data");
            await using var server = data is null
                ? new BenchServer { Probe = probe, AttachProbe = attach, Settings = settings }
                : new BenchServer { Probe = probe, AttachProbe = attach, Settings = settings, DataDirectory = data, KeepData = keep };
            var invitation = server.AdminInvitation; // starts the server
            Console.WriteLine(ServerProcess.Prefix + "listening " + server.ClientOptions.BaseAddress);
            if (invitation is not null)
            {
                Console.WriteLine(ServerProcess.Prefix + "admin " + invitation);
            }
            await AnswerAsync(() =>
            {
                var problems = server.Problems.ToList();
                var warnings = problems.Count(p => p.StartsWith("Warning", StringComparison.Ordinal));
                return new ServerStats(GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(2), problems.Count - warnings, warnings,
                    problems.FirstOrDefault(), server.AttachProbe ? server.Probe.Snapshot() : null);
            });
            return 0;
        }
        if (kind == "bare")
        {
            await using var app = BareHub.Build();
            await app.StartAsync();
            Console.WriteLine(ServerProcess.Prefix + "listening " + app.Urls.First());
            await AnswerAsync(() => new ServerStats(GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(2), 0, 0, null, null));
            await app.StopAsync();
            return 0;
        }
        await Console.Error.WriteLineAsync("usage: serve vault [--no-probe] [--setting KEY=VALUE]... | serve bare");
        return 2;
    }

    private static async Task AnswerAsync(Func<ServerStats> stats)
    {
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line.Trim() == "stats")
            {
                Console.WriteLine(ServerProcess.Prefix + "stats " + JsonSerializer.Serialize(stats(), Json));
            }
        }
    }
}

/// <summary>
/// The bare relay Vault is compared with: a SignalR hub that takes a byte[] and rebroadcasts it to the caller's
/// group, and nothing else — no authentication, no database, no audit, the JSON protocol as Vault's hub uses.
/// </summary>
public static class BareHub
{
    public const string Path = "/hubs/bare";

    public static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = System.IO.Path.GetTempPath() });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<RebroadcastHub>(Path);
        return app;
    }
}

public sealed class RebroadcastHub : Hub
{
    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    /// <summary>Acknowledged once the group's sends are queued, as Vault's Send returns after its fan-out.</summary>
    public async Task<int> Send(string group, byte[] payload)
    {
        await Clients.Group(group).SendAsync("m", payload);
        return payload.Length;
    }
}
