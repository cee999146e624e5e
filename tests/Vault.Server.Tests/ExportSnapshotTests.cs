using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vault.Contracts.Export;
using Vault.Contracts.Messaging;
using Vault.Server.DataSubject;

namespace Vault.Server.Tests;

/// <summary>
/// An export reads one snapshot: a message committed while the package streams (here: just before its messages part)
/// is in no part, so the messages agree with their channel's count and the audit part with both.
/// </summary>
public sealed class ExportSnapshotTests : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly BetweenParts hook = new();
    private readonly VaultServer server;
    private readonly string output = Path.Combine(Path.GetTempPath(), "vault-export-tests", Guid.NewGuid().ToString("N"));

    public ExportSnapshotTests() => server = new VaultServer
    {
        ConfigureTestServices = services => services.AddSingleton<IExportPartHook>(hook),
    };

    public void Dispose()
    {
        server.Dispose();
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task ExportFamily_MessageCommittedWhileStreaming_InNoPartAndCountsAgree()
    {
        var cast = new Cast(server);
        var (familyId, coordinator, guardian) = await cast.FamilyAsync();
        var intro = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
        await guardian.SendAsync(familyId, intro.Id, "voor de export");
        hook.Before(ExportParts.Messages, () => coordinator.SendAsync(familyId, intro.Id, "tijdens de export"));

        var result = await guardian.ExportFamilyAsync(familyId, output);

        Assert.True(hook.Ran, "the hook never committed its message");
        Assert.True(result.Verified, result.VerificationFailure);
        var lines = File.ReadLines(Path.Combine(output, "package.ndjson")).Select(l => JsonSerializer.Deserialize<ExportLine<JsonElement>>(l, Json)!).ToList();
        var channel = lines.Where(l => l.Part == ExportParts.Channels).Select(l => l.Data.Deserialize<ChannelResponse>(Json)!).Single();
        var messages = lines.Where(l => l.Part == ExportParts.Messages).Select(l => l.Data.Deserialize<MessageDelivery>(Json)!).ToList();
        Assert.Equal(1, channel.LastSeq);
        Assert.Equal([1L], messages.Select(m => m.Seq));
        Assert.Equal(2, server.Column<long>("SELECT COUNT(*) FROM Messages WHERE ChannelId = @c", ("@c", intro.Id)).Single());
    }

    /// <summary>Runs an action (once) just before the named part of an export is written, and waits for it.</summary>
    private sealed class BetweenParts : IExportPartHook
    {
        private string part = "";
        private Func<Task>? action;

        public bool Ran { get; private set; }

        public void Before(string name, Func<Task> run) => (part, action) = (name, run);

        public async Task BeforePartAsync(Guid familyId, string name, CancellationToken ct)
        {
            if (name == part && Interlocked.Exchange(ref action, null) is { } run)
            {
                await run();
                Ran = true;
            }
        }
    }
}
