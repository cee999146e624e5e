using System.Collections.Concurrent;
using OtpNet;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Families;
using Xunit.Abstractions;

namespace Vault.Cli.Tests;

/// <summary>
/// Issue 9, "done when": the real server binary is killed with SIGKILL in the middle of a burst of sends over the hub
/// (when a set number of sends has been acknowledged), started again on the same data directory, and then every
/// acknowledged message is in its channel's history exactly once at the sequence number it was acknowledged with,
/// sequence numbers run without gaps, and the audit log verifies as an extension of the head seen before the crash.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Passphrase = "lange zin met spaties en cijfers 42";
    private const int KillAfterAcks = 40;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1); // a failure bound, never a wait

    private ServerProcess server = null!;
    private readonly string root = Path.Combine(Path.GetTempPath(), "vault-cli-homes", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Attempt(Guid ChannelId, Guid ClientMessageId, string Text);

    [Fact]
    public async Task KillDashNine_MidBurstOfHubSends_AcknowledgedMessagesSurviveOnceInOrderAndAuditVerifies()
    {
        var admin = await SignUpAsync(server.AdminInvitation, "admin");
        var officer = await SignUpAsync((await admin.CreateInvitationAsync(Roles.PrivacyOfficer)).Code, "privacy.officer");
        var coordinator = await SignUpAsync((await admin.CreateInvitationAsync(Roles.Coordinator)).Code, "coordinator.jansen");
        var familyId = (await coordinator.CreateFamilyAsync(new CreateFamilyRequest("KG-2026-42", "GM0363", new DateOnly(2026, 11, 1), null))).Id;
        var guardian = await SignUpAsync((await coordinator.InviteToFamilyAsync(familyId, Roles.Guardian)).Code, "moeder.bakker");
        var members = new[] { new ChannelMember(coordinator.Session!.UserId, Permissions.Write, "begeleiding") };
        Guid[] channels = [(await guardian.CreateChannelAsync(familyId, "kennismaking", members)).Id,
            (await guardian.CreateChannelAsync(familyId, "planning", members)).Id];

        // The guardian's CLI on its own machine verifies the log once before the crash: its profile keeps that head.
        var cli = Path.Combine(root, "moeder.cli");
        Assert.Equal(0, (await CliAsync(cli, "login", "--server", server.Url, "--username", "moeder.bakker", "--device-name", "cli")).Code);
        Assert.Equal(0, (await CliAsync(cli, "audit", "verify", "--family", familyId.ToString())).Code);
        var familyHead = (await guardian.VerifyAuditAsync(familyId, null)).Head;
        var wholeHead = (await officer.VerifyAuditAsync(null, null)).Head;

        // The burst: both members send on both channels at once over their hub connections, each sender in sequence.
        var connections = new[] { new VaultConnection(guardian), new VaultConnection(coordinator) };
        foreach (var connection in connections)
        {
            await connection.StartAsync();
        }
        var attempts = new ConcurrentDictionary<Guid, Attempt>();
        var acknowledged = new ConcurrentQueue<(Attempt Attempt, long Seq, int Sender)>();
        var acks = 0;
        var killed = false;
        Task<int>? kill = null;
        using var bound = new CancellationTokenSource(Bound);
        async Task<bool> SendUntilRefusedAsync(VaultClient client, Guid channel, int sender)
        {
            for (var i = 0; i < 10_000; i++)
            {
                var attempt = new Attempt(channel, Guid.NewGuid(), $"afzender {sender} bericht {i}");
                attempts[attempt.ClientMessageId] = attempt;
                long seq;
                try
                {
                    seq = (await client.SendAsync(familyId, channel, attempt.Text, attempt.ClientMessageId, bound.Token)).Seq;
                }
#pragma warning disable CA1031 // the crash surfaces as whatever the socket or the fallback HTTP call throws
                catch (Exception) when (Volatile.Read(ref killed))
#pragma warning restore CA1031
                {
                    return true; // the server is gone: this sender's last send was not acknowledged
                }
                acknowledged.Enqueue((attempt, seq, sender));
                if (Interlocked.Increment(ref acks) == KillAfterAcks)
                {
                    Volatile.Write(ref killed, true); // first: any send failing from now on failed because of the kill
                    kill = server.KillAsync(); // mid-burst: the other senders have sends in flight
                }
            }
            return false;
        }
        var senders = new List<Task<bool>>();
        foreach (var (client, index) in new[] { guardian, coordinator }.Select((c, i) => (c, i)))
        {
            Assert.True(connections[index].IsConnected);
            senders.AddRange(channels.Select((channel, c) => SendUntilRefusedAsync(client, channel, index * 2 + c)));
        }
        Assert.All(await Task.WhenAll(senders), Assert.True); // every sender was cut off by the crash
        Assert.NotNull(kill);
        Assert.Equal(128 + 9, await kill); // died of SIGKILL
        foreach (var connection in connections)
        {
            await connection.DisposeAsync(); // no reconnect racing the checks below
        }

        await server.RestartAsync();

        var acked = acknowledged.ToList();
        Assert.True(acked.Count >= KillAfterAcks);
        foreach (var channel in channels)
        {
            var history = await FullHistoryAsync(guardian, familyId, channel);
            // Gap-free and in order: exactly 1..n, each client message id once, nothing the test did not send.
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(m => m.Seq));
            Assert.Equal(history.Count, history.Select(m => m.ClientMessageId).Distinct().Count());
            Assert.All(history, m => Assert.True(m.Authentic && attempts.TryGetValue(m.ClientMessageId, out var a)
                && a.ChannelId == channel && a.Text == m.Text, $"#{m.Seq} is not a message the test sent here"));
            // Every acknowledged send is there, at the sequence number it was acknowledged with.
            var bySeq = history.ToDictionary(m => m.Seq);
            foreach (var (attempt, seq, _) in acked.Where(a => a.Attempt.ChannelId == channel))
            {
                Assert.True(bySeq.TryGetValue(seq, out var stored) && stored.ClientMessageId == attempt.ClientMessageId,
                    $"acknowledged #{seq} ({attempt.Text}) is missing after the restart");
            }
            output.WriteLine($"channel {channel}: {acked.Count(a => a.Attempt.ChannelId == channel)} acknowledged, "
                + $"{history.Count} stored, {attempts.Values.Count(a => a.ChannelId == channel)} attempted");
            // And it goes on where it stopped.
            Assert.Equal(history.Count + 1, (await guardian.SendAsync(familyId, channel, "na de herstart")).Seq);
        }
        // Each sender's acknowledgements came in the order it sent.
        Assert.All(acked.GroupBy(a => a.Sender), g => Assert.Equal(g.Select(a => a.Seq).Order(), g.Select(a => a.Seq)));

        await AssertAuditVerifiesAsync(guardian.VerifyAuditAsync(familyId, familyHead));
        await AssertAuditVerifiesAsync(officer.VerifyAuditAsync(null, wholeHead));
        var verified = await CliAsync(cli, "audit", "verify", "--family", familyId.ToString());
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        Assert.Contains("Audit log verified", verified.Out, StringComparison.Ordinal);
    }

    private static async Task AssertAuditVerifiesAsync(Task<AuditVerification> verification)
    {
        var result = await verification;
        Assert.True(result.Ok, $"audit verification failed: {result.Failure}");
        Assert.True(result.EntriesChecked > 0);
    }

    private static async Task<List<ReceivedMessage>> FullHistoryAsync(VaultClient reader, Guid familyId, Guid channel)
    {
        var all = new List<ReceivedMessage>();
        while (true)
        {
            var (page, last) = await reader.HistoryAsync(familyId, channel, all.Count == 0 ? 0 : all[^1].Seq);
            all.AddRange(page);
            if (page.Count == 0 || all[^1].Seq >= last)
            {
                return all;
            }
        }
    }

    /// <summary>Registers with the invitation and signs in (with a TOTP code for roles that have a second factor).</summary>
    private async Task<VaultClient> SignUpAsync(string code, string username)
    {
        var client = new VaultClient(new HttpClient { BaseAddress = new Uri(server.Url) });
        var registered = await client.AcceptInvitationAsync(code, username, Passphrase, "laptop");
        await client.LoginAsync(username, Passphrase, registered.DeviceId, client.Session!.Device,
            registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp() : null);
        return client;
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(string home, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, new StringReader(""),
            name => name switch { "VAULT_HOME" => home, "VAULT_PASSPHRASE" => Passphrase, _ => null });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
