using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;

namespace Vault.Cli.Demo;

/// <summary>
/// `vault demo`: one family's story on a running server, every party a real account on its own device, everything
/// through the SDK as the CLI uses it. Part one (this file): the people, the family, the first channel. Part two
/// (DemoScenario.Documents.cs): consent, documents, withdrawal, the family's own view, export and audit.
/// </summary>
internal sealed partial class DemoScenario(string server, string invitation, string work, int verslagMiB, DemoStage stage,
    Func<VaultClient> newClient, TextWriter? progress)
{
    private const string Purpose = "ondersteuning van het gezin door het krachtgezin";
    private DemoPerson admin = null!, coordinator = null!, krachtgezin = null!, wijkcoach = null!, gemeente = null!,
        officer = null!, moeder = null!, vader = null!;
    private Guid family;
    private Guid kennismaking;

    /// <summary>Every message sent, so the export and the readers can be checked against it.</summary>
    private readonly List<string> sent = [];

    public async Task RunAsync()
    {
        await PeopleAsync();
        await FamilyAsync();
        await KennismakingAsync();
        await ConsentAsync();
        await DocumentsAsync();
        await WithdrawalAsync();
        await FamilyViewAsync();
        await ExportAsync();
        await AuditAsync();
        foreach (var person in new[] { admin, coordinator, krachtgezin, wijkcoach, gemeente, officer, moeder, vader })
        {
            person.ProfileOf(server).Save(person.Home); // the CLI goes on where the demo stopped
        }
    }

    private async Task PeopleAsync()
    {
        stage.Step(T("The administrator accepts the server's first invitation and invites the professionals",
            "De beheerder neemt de eerste uitnodiging van de server aan en nodigt de professionals uit"));
        admin = await Join(invitation, "beheerder");
        stage.Note(T("beheerder: the administrator; the demo plays everyone's authenticator app (professionals need a second factor).",
            "beheerder: de beheerder; de demo speelt ieders authenticator-app (professionals hebben een tweede factor nodig)."));
        coordinator = await Join(await Code(Roles.Coordinator), "coordinator.anouk");
        krachtgezin = await Join(await Code(Roles.Krachtgezin), "krachtgezin.devries");
        wijkcoach = await Join(await Code(Roles.Wijkcoach), "wijkcoach.samira");
        gemeente = await Join(await Code(Roles.Gemeente), "gemeente.utrecht");
        officer = await Join(await Code(Roles.PrivacyOfficer), "fg.utrecht");
        foreach (var p in new[] { coordinator, krachtgezin, wijkcoach, gemeente, officer })
        {
            stage.Note(T($"{p.Name} ({p.Role}) made an account; its keys were made on its device, the server got public keys only.",
                $"{p.Name} ({p.Role}) maakte een account; de sleutels ontstonden op het eigen apparaat, de server kreeg alleen publieke sleutels."));
        }
        await stage.CannotAsync(admin, "open a family (only a coordinator or wijkcoach can)", "geen gezin openen (dat doet een coördinator of wijkcoach)", () =>
            admin.Client.CreateFamilyAsync(new CreateFamilyRequest("KG-BEHEER", "GM0344", Today, null)));
    }

    private async Task FamilyAsync()
    {
        stage.Step(T("The coordinator opens the family and invites the guardians and the team",
            "De coördinator opent het gezin en nodigt de ouders en het team uit"));
        var opened = await coordinator.Client.CreateFamilyAsync(new CreateFamilyRequest("KG-2026-DEMO", "GM0344", Today, Today.AddMonths(6)));
        family = opened.Id;
        stage.Note(T($"Family {opened.Reference} (gemeente Utrecht, GM0344) opened: {family}. The server keeps a case reference, no name.",
            $"Gezin {opened.Reference} (gemeente Utrecht, GM0344) geopend: {family}. De server bewaart een dossierkenmerk, geen naam."));
        moeder = await Join((await coordinator.Client.InviteToFamilyAsync(family, Roles.Guardian)).Code, "moeder.bakker");
        vader = await Join((await moeder.Client.InviteToFamilyAsync(family, Roles.Guardian)).Code, "vader.bakker");
        stage.Note(T("The coordinator invited moeder; a second guardian only a guardian can add: moeder invited vader.",
            "De coördinator nodigde moeder uit; een tweede ouder voegt alleen een ouder toe: moeder nodigde vader uit."));
        foreach (var p in new[] { krachtgezin, wijkcoach, gemeente })
        {
            await p.Client.AcceptFamilyInvitationAsync((await coordinator.Client.InviteToFamilyAsync(family, p.Role)).Code);
        }
        var members = await moeder.Client.ListMembersAsync(family);
        stage.Note(T("Members: ", "Leden: ") + string.Join(", ", members.Select(m => $"{m.Username} ({m.Role})")));
        stage.Expect(members.Count == 6, T("the family has 6 members: two guardians, the coordinator, the krachtgezin, the wijkcoach and the gemeente",
            "het gezin heeft 6 leden: twee ouders, de coördinator, het krachtgezin, de wijkcoach en de gemeente"));
    }

    private async Task KennismakingAsync()
    {
        stage.Step(T("Kennismaking: moeder opens the first channel, with the coordinator present and the krachtgezin",
            "Kennismaking: moeder opent het eerste kanaal, met de coördinator erbij en het krachtgezin"));
        const string name = "kennismaking";
        stage.Sends(moeder, T("names the channel", "noemt het kanaal"), name);
        var channel = await moeder.Client.CreateChannelAsync(family, name,
        [
            new ChannelMember(coordinator.Id, Permissions.Write, "het eerste gesprek begeleiden"),
            new ChannelMember(krachtgezin.Id, Permissions.Write, Purpose),
        ]);
        kennismaking = channel.Id;
        stage.Note(T("Moeder's device signed the coordinator's and the krachtgezin's grants and wrapped the channel key for their devices.",
            "Het apparaat van moeder ondertekende de toestemming voor de coördinator en het krachtgezin en verpakte de kanaalsleutel voor hun apparaten."));

        await SendAsync(moeder, "Welkom! Fijn dat jullie ons willen helpen. Dinsdag om tien uur bij ons thuis?");
        await SendAsync(krachtgezin, "Dank je wel. Dinsdag om tien uur komen we graag, we nemen koffie mee.");
        await SendAsync(coordinator, "Ik ben er ook bij om het gesprek te begeleiden.");
        await SendAsync(vader, "Tot dinsdag, de kinderen zijn dan op school.");
        foreach (var reader in new[] { moeder, vader, coordinator, krachtgezin })
        {
            await ReadChannelAsync(reader, expected: sent);
        }
        await stage.CannotAsync(gemeente, "read the kennismaking channel (no grant)", "het kanaal kennismaking niet lezen (geen toestemming)",
            () => gemeente.Client.HistoryAsync(family, kennismaking), "kennismaking");
        await stage.CannotAsync(wijkcoach, "read the kennismaking channel (no grant)", "het kanaal kennismaking niet lezen (geen toestemming)",
            () => wijkcoach.Client.HistoryAsync(family, kennismaking), "kennismaking");
    }

    private async Task SendAsync(DemoPerson who, string text)
    {
        stage.Sends(who, T("writes", "schrijft"), text);
        await who.Client.SendAsync(family, kennismaking, text);
        sent.Add(text);
    }

    /// <summary>Reads the whole channel and checks that exactly <paramref name="expected"/> decrypts, in order.</summary>
    private async Task ReadChannelAsync(DemoPerson reader, List<string> expected, long after = 0)
    {
        var (messages, _) = await reader.Client.HistoryAsync(family, kennismaking, after);
        var texts = messages.Where(m => m.Authentic && m.Kind == "message").Select(m => m.Text ?? "").ToList();
        foreach (var text in texts)
        {
            stage.Decrypts(reader, T("a message", "een bericht"), text);
        }
        stage.Expect(texts.SequenceEqual(expected) && messages.All(m => m.Authentic),
            T($"{reader.Name} decrypts and verifies all {expected.Count} messages",
            $"{reader.Name} ontsleutelt en controleert alle {expected.Count} berichten"));
        stage.Saw(reader, "kennismaking", texts.Count > 0);
    }

    private async Task<DemoPerson> Join(string code, string name) =>
        await DemoPerson.JoinAsync(newClient, server, work, code, name);

    private async Task<string> Code(string role) => (await admin.Client.CreateInvitationAsync(role)).Code;

    private string T(string en, string nl) => stage.T(en, nl);

    private string Count(long n, string en, string nl, string nlPlural) =>
        n == 1 ? T($"1 {en}", $"1 {nl}") : T($"{n} {en}s", $"{n} {nlPlural}");

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);
}
