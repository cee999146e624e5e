using System.Net;
using System.Net.Sockets;
using OtpNet;
using Vault.Benchmarks.Compare;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;
using static Vault.Benchmarks.Stats;

namespace Vault.Benchmarks.Documents;

/// <summary>A family with a guardian's invitation, for one client process.</summary>
internal sealed record Invited(Guid FamilyId, string Code, string Username);

/// <summary>A store under test with one build (<see cref="Build"/> null: this one) and a data directory of its own.</summary>
internal sealed record Store(string Name, string DataDirectory, IReadOnlyDictionary<string, string> Settings, Queue<Invited> Families,
    string? Build);

/// <summary>The accounts of a `documents` run and the server processes it starts.</summary>
internal static class DocumentsSetup
{
    /// <summary>A data directory with an admin, a coordinator, and a family per measurement with a guardian's invitation.</summary>
    public static async Task<Store> SetUpAsync(string name, string data, IReadOnlyDictionary<string, string> settings, int families,
        string? build, TextWriter output, CancellationToken ct)
    {
        Directory.CreateDirectory(data);
        await using var server = StartServer(name + "-setup", data, settings, build);
        var url = await server.Url.WaitAsync(TimeSpan.FromMinutes(2), ct);
        var admin = NewClient(url);
        await RegisterAsync(admin, await server.AdminInvitation.WaitAsync(TimeSpan.FromMinutes(2), ct), "admin", ct);
        var coordinator = NewClient(url);
        await RegisterAsync(coordinator, (await admin.CreateInvitationAsync(Roles.Coordinator, ct: ct)).Code, "coordinator", ct);
        var invited = new Queue<Invited>();
        for (var i = 0; i < families; i++)
        {
            var family = await coordinator.CreateFamilyAsync(new CreateFamilyRequest(Invariant($"KG-{name}-{i}"), "GM0363",
                new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 1)), ct);
            var invitation = await coordinator.InviteToFamilyAsync(family.Id, Roles.Guardian, ct: ct);
            invited.Enqueue(new Invited(family.Id, invitation.Code, Invariant($"moeder-{name}-{i}")));
        }
        output.WriteLine(Invariant($"store {name}: data in {data}; {families} families, each with a guardian's invitation; build {build ?? "this one"}"));
        return new Store(name, data, settings, invited, build);
    }

    /// <summary>
    /// The server's own build output on a free loopback port; its GC as built (server GC, DATAS on): memory is measured.
    /// Settings become environment variables (":" as "__"), so a DOTNET_ variable can ride along.
    /// </summary>
    public static ServerProcess StartServer(string name, string data, IEnumerable<KeyValuePair<string, string>> settings, string? build)
    {
        var all = new Dictionary<string, string>(BenchServer.LoadSettings) { ["Vault:DataDirectory"] = data };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return ServerProcess.StartBinary(name, new Uri(Invariant($"http://127.0.0.1:{FreePort()}/")), all, fixedGcHeaps: false, build);
    }

    private static VaultClient NewClient(Uri url) => new(new HttpClient { BaseAddress = url });

    private static async Task RegisterAsync(VaultClient client, string code, string username, CancellationToken ct)
    {
        var registered = await client.AcceptInvitationAsync(code, username, Roster.Passphrase, "laptop", ct);
        await client.LoginAsync(username, Roster.Passphrase, registered.DeviceId, client.Session!.Device, Totp(registered), ct);
    }

    private static string? Totp(RegisterResponse registered) =>
        registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp(DateTime.UtcNow) : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
