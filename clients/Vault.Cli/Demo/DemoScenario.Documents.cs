using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;

namespace Vault.Cli.Demo;

/// <summary>Part two of the demo: consent, documents, withdrawal, the family's own access view, export and audit.</summary>
internal sealed partial class DemoScenario
{
    private const string BeschikkingName = "beschikking-KG-2026-DEMO.txt";
    private const string BeschikkingText = "Beschikking jeugdhulp: ondersteuning door een krachtgezin, 6 maanden, 8 uur per week.";
    private const string VerslagName = "verslag-week-1-6.txt";
    private const string VerslagFirstLine = "Verslag van krachtgezin De Vries over week 1 tot en met 6";
    private Guid beschikking, verslag;
    private byte[] verslagHash = [];

    private async Task ConsentAsync()
    {
        stage.Step(T("The guardians sign consent: the gemeente gets progress and the beschikking only",
            "De ouders geven toestemming: de gemeente krijgt alleen de voortgang en de beschikking"));
        await GrantAsync(moeder, gemeente, ConsentScopes.Progress, Permissions.Read, "voortgang van het traject volgen", "public-task");
        await GrantAsync(moeder, gemeente, ConsentScopes.Documents("beschikking"), Permissions.Read, "de beschikking inzien", "public-task");
        await GrantAsync(vader, wijkcoach, ConsentScopes.Documents("beschikking"), Permissions.Write, "de beschikking aanleveren", "public-task");
        await GrantAsync(moeder, krachtgezin, ConsentScopes.Documents("verslag"), Permissions.Write, "verslagen schrijven", "consent");
        var grants = await moeder.Client.ListGrantsAsync(family);
        stage.Expect(grants.Count(g => g.Status == GrantStatus.Active) == 6,
            T("6 grants are active: 2 on the channel, 4 just signed; each signed on a guardian's device",
                "6 toestemmingen zijn actief: 2 op het kanaal, 4 net ondertekend; elk ondertekend op het apparaat van een ouder"));
    }

    private async Task GrantAsync(DemoPerson guardian, DemoPerson grantee, string scope, string permission, string purpose, string basis)
    {
        var response = await guardian.Client.GrantAsync(VaultClient.NewGrant(family, grantee.Id, scope, permission, purpose, basis));
        stage.Note(T($"{guardian.Name} signs: {grantee.Name} may {permission} {scope} (purpose: {purpose}; basis: {basis}) → {response.Status}",
            $"{guardian.Name} ondertekent: {grantee.Name} mag {scope} {(permission == Permissions.Write ? "schrijven" : "lezen")} (doel: {purpose}; grondslag: {basis}) → {response.Status}"));
    }

    private async Task DocumentsAsync()
    {
        stage.Step(T($"The wijkcoach uploads the beschikking; the krachtgezin a verslag of {verslagMiB} MiB",
            $"De wijkcoach uploadt de beschikking, het krachtgezin een verslag van {verslagMiB} MiB"));
        stage.Sends(wijkcoach, T("names the file", "noemt het bestand"), BeschikkingName);
        stage.Sends(wijkcoach, T("uploads", "uploadt"), BeschikkingText);
        beschikking = (await wijkcoach.Client.UploadDocumentAsync(family, "beschikking", new MemoryStream(Encoding.UTF8.GetBytes(BeschikkingText)),
            new UploadOptions { Name = BeschikkingName, ContentType = "text/plain" })).DocumentId;

        var file = WriteVerslag();
        stage.Sends(krachtgezin, T("names the file", "noemt het bestand"), VerslagName);
        stage.Sends(krachtgezin, T($"uploads {verslagMiB} MiB starting with", $"uploadt {verslagMiB} MiB, beginnend met"), VerslagFirstLine);
        await using (var content = File.OpenRead(file))
        using (var bar = progress is null ? null : new TransferBar(progress, VerslagName, 0, TimeProvider.System))
        {
            verslag = (await krachtgezin.Client.UploadDocumentAsync(family, "verslag", content,
                new UploadOptions { Name = VerslagName, ContentType = "text/plain", Progress = bar })).DocumentId;
        }
        stage.Note(T("Each file was encrypted on the uploader's device in 64 KiB chunks; the server stored ciphertext and a signed manifest.",
            "Elk bestand werd op het apparaat van de uploader versleuteld in blokken van 64 KiB; de server bewaarde versleutelde gegevens en een ondertekend manifest."));

        stage.Step(T("Who can open which document", "Wie kan welk document openen"));
        var progressSeen = await gemeente.Client.GetProgressAsync(family);
        stage.Note(T("gemeente.utrecht reads the progress (metadata, not content): ", "gemeente.utrecht leest de voortgang (metagegevens, geen inhoud): ") +
                   $"status {progressSeen.Status}, {Count(progressSeen.Members, "member", "lid", "leden")}, " +
                   $"{Count(progressSeen.Channels, "channel", "kanaal", "kanalen")}, {Count(progressSeen.Messages, "message", "bericht", "berichten")}, " +
                   T("planned end ", "gepland einde ") + $"{progressSeen.PlannedEnd:yyyy-MM-dd}.");
        stage.Saw(gemeente, "voortgang", true);
        await stage.CannotAsync(krachtgezin, "read the traject's progress (no grant)", "de voortgang van het traject niet lezen (geen toestemming)", () => krachtgezin.Client.GetProgressAsync(family), "voortgang");
        await ReadBeschikkingAsync(gemeente);
        await ReadBeschikkingAsync(moeder);
        await stage.CannotAsync(gemeente, "open the verslag (consent covers the beschikking only)",
            "het verslag niet openen (de toestemming geldt alleen de beschikking)",
            () => gemeente.Client.DownloadDocumentAsync(family, verslag, null, Stream.Null), "verslag");
        await stage.CannotAsync(wijkcoach, "open the verslag (no grant)", "het verslag niet openen (geen toestemming)",
            () => wijkcoach.Client.DownloadDocumentAsync(family, verslag, null, Stream.Null), "verslag");
        await stage.CannotAsync(krachtgezin, "open the beschikking (no grant)", "de beschikking niet openen (geen toestemming)",
            () => krachtgezin.Client.DownloadDocumentAsync(family, beschikking, null, Stream.Null), "beschikking");
        await ReadVerslagAsync(vader);
    }

    /// <summary>The verslag as a file under WORK/files: numbered paragraphs up to the size asked for.</summary>
    private string WriteVerslag()
    {
        var path = Path.Combine(work, "files", VerslagName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new FileStream(path, FileMode.CreateNew))
        {
            var head = Encoding.UTF8.GetBytes(VerslagFirstLine + "\n");
            writer.Write(head);
            hash.AppendData(head);
            for (var n = 1; writer.Length < verslagMiB * 1024L * 1024; n++)
            {
                var line = Encoding.UTF8.GetBytes($"{n}. Het gezin had een rustige week; de kinderen gingen elke dag naar school en " +
                                                  "het avondeten was op tijd. Volgende stap: samen de weekplanning maken.\n");
                writer.Write(line);
                hash.AppendData(line);
            }
        }
        verslagHash = hash.GetHashAndReset();
        return path;
    }

    private async Task ReadBeschikkingAsync(DemoPerson reader)
    {
        using var content = new MemoryStream();
        var result = await reader.Client.DownloadDocumentAsync(family, beschikking, null, content);
        var text = Encoding.UTF8.GetString(content.ToArray());
        stage.Decrypts(reader, T("the file name", "de bestandsnaam"), result.Metadata.Name ?? "");
        stage.Decrypts(reader, T("the beschikking", "de beschikking"), text);
        stage.Expect(text == BeschikkingText && result.Metadata.Name == BeschikkingName, T($"{reader.Name} opens the beschikking, verified", $"{reader.Name} opent de beschikking, gecontroleerd"));
        stage.Saw(reader, "beschikking", true);
    }

    private async Task ReadVerslagAsync(DemoPerson reader)
    {
        var path = Path.Combine(reader.Home, VerslagName);
        await using (var output = File.Create(path))
        using (var bar = progress is null ? null : new TransferBar(progress, VerslagName, 0, TimeProvider.System))
        {
            await reader.Client.DownloadDocumentAsync(family, verslag, null, output, bar);
        }
        string first;
        using (var text = new StreamReader(path))
        {
            first = await text.ReadLineAsync() ?? "";
        }
        await using var file = File.OpenRead(path);
        stage.Decrypts(reader, T("the verslag, first line", "het verslag, eerste regel"), first);
        stage.Expect(first == VerslagFirstLine && (await SHA256.HashDataAsync(file)).SequenceEqual(verslagHash),
            T($"{reader.Name} downloads all {verslagMiB} MiB of the verslag, every chunk verified; SHA-256 equal to the original",
                $"{reader.Name} downloadt alle {verslagMiB} MiB van het verslag, elk blok gecontroleerd; SHA-256 gelijk aan het origineel"));
        stage.Saw(reader, "verslag", true);
    }

    private async Task WithdrawalAsync()
    {
        stage.Step(T("After the kennismaking moeder withdraws the coordinator's access; the channel key rotates",
            "Na de kennismaking trekt moeder de toegang van de coördinator in; de kanaalsleutel wisselt"));
        var scope = ConsentScopes.Channel(kennismaking);
        var grant = (await moeder.Client.ListGrantsAsync(family))
            .Single(g => g.Grant.GranteeUserId == coordinator.Id && g.Grant.Scope == scope && g.Status == GrantStatus.Active);
        var before = (await moeder.Client.GetKeyRingAsync(family, scope)).CurrentEpoch;
        const string reason = "eerste gesprek afgerond";
        var (receipt, signed) = await moeder.Client.WithdrawGrantSignedAsync(family, grant.Grant.GrantId, reason);
        stage.Note(T($"Reason, recorded with the withdrawal (metadata the server keeps, like a grant's purpose): {reason}.",
            $"Reden, vastgelegd bij de intrekking (metagegevens die de server bewaart, zoals het doel van een toestemming): {reason}."));
        // Saved as `vault withdraw` saves it, in moeder's profile: `vault receipt verify FILE` checks it offline.
        var receiptFile = ReceiptFile.From(signed, moeder.Client.Session!.AuditKey!, server)
            .Save(Path.Combine(moeder.Home, "receipts", $"withdrawal-{receipt.GrantId}.json"));
        stage.Note(T($"Receipt signed by the server's audit key, verified on moeder's device: the coordinator had {receipt.AccessedCount} " +
                     $"audited accesses (saved: {receiptFile}).",
            $"Bewijs ondertekend met de auditsleutel van de server, gecontroleerd op het apparaat van moeder: de coördinator had " +
            $"{receipt.AccessedCount} vastgelegde toegangen (bewaard: {receiptFile})."));
        var offline = ReceiptFile.Verify(await File.ReadAllTextAsync(receiptFile), moeder.Client.Session.AuditKey);
        stage.Expect(offline is { Failure: null, AgainstPinnedKey: true }, T("the saved receipt verifies offline against the pinned audit key (`vault receipt verify`)",
            "het bewaarde bewijs klopt offline tegen de vastgepinde auditsleutel (`vault receipt verify`)"));

        var after = sent.Count;
        await SendAsync(moeder, "Vanaf nu praten we verder met het krachtgezin; dank aan de coördinator!");
        var now = (await moeder.Client.GetKeyRingAsync(family, scope)).CurrentEpoch;
        stage.Expect(now == before + 1, T($"the channel's key moved from epoch {before} to {now} before the next message",
            $"de kanaalsleutel ging van tijdvak {before} naar {now} vóór het volgende bericht"));
        await ReadChannelAsync(krachtgezin, sent);
        await stage.CannotAsync(coordinator, "read the channel after the withdrawal", "het kanaal na de intrekking niet lezen",
            () => coordinator.Client.HistoryAsync(family, kennismaking, after), "kennismaking na intrekking");
        stage.Saw(krachtgezin, "kennismaking na intrekking", true);
    }
}
