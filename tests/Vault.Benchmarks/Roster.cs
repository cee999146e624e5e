using System.Diagnostics;
using OtpNet;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;

namespace Vault.Benchmarks;

public sealed record BenchMember(string Name, VaultClient Client);

public sealed record BenchFamily(int Number, Guid Id, Guid ChannelId, VaultClient Guardian, IReadOnlyList<BenchMember> Members);

/// <summary>
/// The people of a run, made the way production makes them (admin invitations for professionals, family
/// invitations for the family; Argon2id on every registration and login): families of a coordinator, two
/// guardians, a krachtgezin and network members, each family with one channel that all of them read and write.
/// <paramref name="newClient"/> makes the SDK client of a family's member number n (0: the coordinator; the admin too),
/// so that a run against several nodes can put members of one family on different nodes.
/// </summary>
public sealed class Roster(Func<int, VaultClient> newClient, Func<string> adminInvitation)
{
    public Roster(BenchServer server) : this(_ => server.NewClient(), () => server.AdminInvitation ?? throw new InvalidOperationException("the server printed no admin invitation"))
    {
    }

    public const string Passphrase = "een lange zin als wachtwoord";
    private VaultClient? admin;

    public List<BenchFamily> Families { get; } = [];
    public int Users => Families.Sum(f => f.Members.Count) + 1;
    public TimeSpan SetupTime { get; private set; }

    public async Task SetUpAsync(int families, int members, int parallelism, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        admin = newClient(0);
        var registered = await admin.AcceptInvitationAsync(adminInvitation(), "admin", Passphrase, "laptop", ct);
        await admin.LoginAsync("admin", Passphrase, registered.DeviceId, admin.Session!.Device, Totp(registered), ct);
        using var gate = new SemaphoreSlim(parallelism);
        var made = await Task.WhenAll(Enumerable.Range(0, families).Select(async f =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await FamilyAsync(f, members, ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        Families.AddRange(made);
        SetupTime = clock.Elapsed;
    }

    private async Task<BenchFamily> FamilyAsync(int number, int size, CancellationToken ct)
    {
        var s = "b" + number.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        var coordinator = await RegisterAsync((await admin!.CreateInvitationAsync(Roles.Coordinator, ct: ct)).Code, "coordinator" + s, 0, ct);
        var family = await coordinator.CreateFamilyAsync(new CreateFamilyRequest("KG-" + s, "GM0363",
            new DateOnly(2026, 11, 1), new DateOnly(2027, 5, 1)), ct);
        var moeder = await JoinAsync(coordinator, family.Id, Roles.Guardian, "moeder" + s, 1, ct);
        var members = new List<(BenchMember Member, string Role)>
        {
            (new("coordinator" + s, coordinator), Roles.Coordinator), (new("moeder" + s, moeder), Roles.Guardian),
        };
        for (var i = members.Count; i < size; i++)
        {
            var (name, role, inviter) = i switch
            {
                2 => ("vader", Roles.Guardian, moeder),
                3 => ("gezin", Roles.Krachtgezin, coordinator),
                4 => ("oma", Roles.Network, moeder),
                5 => ("buurman", Roles.Network, moeder),
                _ => ("netwerk" + i, Roles.Network, moeder),
            };
            members.Add((new(name + s, await JoinAsync(inviter, family.Id, role, name + s, i, ct)), role));
        }
        // The guardians read without a grant; everybody else gets a write grant the first guardian signs.
        var channel = await moeder.CreateChannelAsync(family.Id, "iedereen", members.Where(m => m.Role != Roles.Guardian)
            .Select(m => new ChannelMember(m.Member.Client.Session!.UserId, Permissions.Write, "begeleiding van het gezin")).ToList(), ct: ct);
        return new BenchFamily(number, family.Id, channel.Id, moeder, members.Select(m => m.Member).ToList());
    }

    private async Task<VaultClient> JoinAsync(VaultClient inviter, Guid familyId, string role, string username, int member,
        CancellationToken ct) =>
        await RegisterAsync((await inviter.InviteToFamilyAsync(familyId, role, ct: ct)).Code, username, member, ct);

    private async Task<VaultClient> RegisterAsync(string code, string username, int member, CancellationToken ct)
    {
        var client = newClient(member);
        var registered = await client.AcceptInvitationAsync(code, username, Passphrase, "phone", ct);
        await client.LoginAsync(username, Passphrase, registered.DeviceId, client.Session!.Device, Totp(registered), ct);
        return client;
    }

    private static string? Totp(RegisterResponse registered) =>
        registered.Totp is { } totp ? new Totp(Base32Encoding.ToBytes(totp.Secret)).ComputeTotp(DateTime.UtcNow) : null;
}
