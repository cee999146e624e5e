using System.Text;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// Two families on one server, seeded through the real SDK. Family A: two guardians, a coordinator, a krachtgezin and a
/// wijkcoach with grants; the krachtgezin's channel grant withdrawn and the ring rotated; two channels with messages;
/// two documents, one with two versions. Family B: its own channel, message and document, which must never show in A's export.
/// </summary>
public sealed class ExportFixture : IAsyncLifetime
{
    public VaultServer Server { get; } = new();
    public Cast Cast { get; }
    public Guid FamilyId { get; private set; }
    public VaultClient Moeder { get; private set; } = null!;
    public VaultClient Vader { get; private set; } = null!;
    public VaultClient Coordinator { get; private set; } = null!;
    public VaultClient Krachtgezin { get; private set; } = null!;
    public VaultClient Wijkcoach { get; private set; } = null!;
    public Guid WithdrawnGrantId { get; private set; }

    /// <summary>Every message sent in family A, by client message id.</summary>
    public Dictionary<Guid, string> Sent { get; } = [];

    /// <summary>Every document version uploaded in family A, by document and version.</summary>
    public Dictionary<(Guid Document, int Version), byte[]> Uploaded { get; } = [];

    public Guid OtherFamilyId { get; private set; }
    public VaultClient OtherGuardian { get; private set; } = null!;

    /// <summary>What of family B must never appear in A's export: its ids and its plaintexts.</summary>
    public List<string> OtherFamilyTraces { get; } = [];

    public ExportFixture() => Cast = new Cast(Server);

    public async Task InitializeAsync()
    {
        (FamilyId, Coordinator, Moeder) = await Cast.FamilyAsync();
        Vader = await Cast.FamilyMemberAsync(Moeder, FamilyId, Roles.Guardian, "vader");
        Krachtgezin = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Krachtgezin, "gezin.de.boer");
        Wijkcoach = await Cast.FamilyMemberAsync(Coordinator, FamilyId, Roles.Wijkcoach, "wijkcoach.noord");

        var intro = await Cast.IntroChannelAsync(Moeder, FamilyId, Coordinator, Krachtgezin);
        var school = await Moeder.CreateChannelAsync(FamilyId, "school en huiswerk",
            [new ChannelMember(Wijkcoach.Session!.UserId, Permissions.Write, "huiswerkbegeleiding")]);
        await SendAsync(Moeder, intro, "Welkom bij ons gezin, fijn dat jullie er zijn.");
        await SendAsync(Krachtgezin, intro, "Dank je, ik kom dinsdag om tien uur langs.");
        await SendAsync(Vader, intro, "Tot dinsdag!");
        await SendAsync(Wijkcoach, school, "Het huiswerk gaat deze week een stuk beter.");
        await SendAsync(Moeder, school, "Dat hoor ik graag.");

        var grants = await Moeder.ListGrantsAsync(FamilyId);
        WithdrawnGrantId = grants.Single(g => g.Grant.GranteeUserId == Krachtgezin.Session!.UserId
            && g.Grant.Scope == ConsentScopes.Channel(intro.Id)).Grant.GrantId;
        await Moeder.WithdrawGrantAsync(FamilyId, WithdrawnGrantId, "begeleiding afgerond");
        await SendAsync(Moeder, intro, "Na de intrekking: alleen nog wij en de coördinator."); // rotates to epoch 2

        await Moeder.GrantAsync(VaultClient.NewGrant(FamilyId, Krachtgezin.Session!.UserId, ConsentScopes.Documents("verslag"),
            Permissions.Write, "verslaglegging"));
        var report = await UploadAsync(Krachtgezin, "verslag", "verslag-week-1.txt", "Verslag week 1: kennismaking verliep goed.");
        await UploadAsync(Krachtgezin, "verslag", "verslag-week-1.txt", "Verslag week 1 (herzien): kennismaking verliep heel goed.",
            report);
        await UploadAsync(Moeder, "plan", "gezinsplan.txt", "Ons gezinsplan: rust, regelmaat en school.");
        await Vader.FileRequestAsync(FamilyId, Vault.Contracts.DataSubject.RequestKinds.Rectification, "mijn e-mailadres klopt niet");

        (OtherFamilyId, var otherCoordinator, OtherGuardian) = await Cast.FamilyAsync("b");
        var otherChannel = await Cast.IntroChannelAsync(OtherGuardian, OtherFamilyId, otherCoordinator);
        var otherMessage = await OtherGuardian.SendAsync(OtherFamilyId, otherChannel.Id, "Geheim van gezin B: 7f3a");
        var otherDocument = await OtherGuardian.UploadDocumentAsync(OtherFamilyId, "plan",
            new MemoryStream(Encoding.UTF8.GetBytes("Inhoud van gezin B: 9c1d")), new UploadOptions { Name = "b-plan.txt" });
        OtherFamilyTraces.AddRange([OtherFamilyId.ToString(), otherChannel.Id.ToString(), otherMessage.ClientMessageId.ToString(),
            otherDocument.DocumentId.ToString(), OtherGuardian.Session!.UserId.ToString(), otherCoordinator.Session!.UserId.ToString(),
            "Geheim van gezin B", "Inhoud van gezin B", "b-plan.txt", "moederb", "coordinatorb"]);
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    private async Task SendAsync(VaultClient who, ChannelResponse channel, string text)
    {
        var sent = await who.SendAsync(FamilyId, channel.Id, text);
        Sent[sent.ClientMessageId] = text;
    }

    private async Task<Guid> UploadAsync(VaultClient who, string category, string name, string text, Guid? documentId = null)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = await who.UploadDocumentAsync(FamilyId, category, new MemoryStream(bytes),
            new UploadOptions { DocumentId = documentId, Name = name, ContentType = "text/plain" });
        Uploaded[(result.DocumentId, result.Version)] = bytes;
        return result.DocumentId;
    }
}
