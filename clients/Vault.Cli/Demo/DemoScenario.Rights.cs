using System.Text.Json;
using Vault.Client;

namespace Vault.Cli.Demo;

/// <summary>Part three of the demo: the family's own access view, an export decrypted on a guardian's device, the audit log.</summary>
internal sealed partial class DemoScenario
{
    private async Task FamilyViewAsync()
    {
        stage.Step(T("Moeder looks at who accessed the family's data (the gemeente's part), verified against the signed log",
            "Moeder bekijkt wie de gegevens van het gezin inzag (het deel van de gemeente), gecontroleerd tegen het ondertekende logboek"));
        var view = await moeder.Client.ReadAccessViewAsync(family, new AccessViewFilter(Actor: gemeente.Id));
        stage.Note(view.Proven); // the SDK words it (English)
        foreach (var entry in view.Entries.Reverse().Take(12))
        {
            stage.Note($"{entry.Time.UtcDateTime:HH:mm:ss}  {(entry.Allowed ? T("allowed", "toegestaan") : T("REFUSED", "GEWEIGERD")),-10} {T(entry.English, entry.Dutch)}");
        }
        stage.Expect(view.Ok, T("the access view verified: every entry proven in the signed log, the family's sequence without gaps",
            "het toegangsoverzicht klopt: elke regel bewezen in het ondertekende logboek, de volgnummers van het gezin zonder gaten"));
        stage.Expect(view.Entries.Any(e => e.Allowed && e.Resource?.Contains(beschikking.ToString(), StringComparison.Ordinal) == true),
            T("it shows the gemeente opening the beschikking", "het toont dat de gemeente de beschikking opende"));
        stage.Expect(view.Entries.Count(e => !e.Allowed) >= 2, T("it shows the gemeente's refused attempts (the channel, the verslag)",
            "het toont de geweigerde pogingen van de gemeente (het kanaal, het verslag)"));
    }

    private async Task ExportAsync()
    {
        stage.Step(T("A data-subject request: moeder exports the family's data and her device decrypts it",
            "Een AVG-verzoek: moeder exporteert de gegevens van het gezin en haar apparaat ontsleutelt ze"));
        var directory = Path.Combine(work, "export");
        var result = await moeder.Client.ExportFamilyAsync(family, directory);
        stage.Note(T($"Archive: {directory} (samenvatting.txt first): ", $"Archief: {directory} (begin met samenvatting.txt): ") +
                   string.Join(", ", result.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}")));
        stage.Expect(result.Verified, T("the export is complete and signed by the server (every part counted and hashed)",
            "de export is volledig en ondertekend door de server (elk deel geteld en gehasht)"));
        var texts = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(directory, "channels"), "*.json"))
        {
            await using var stream = File.OpenRead(file);
            using var json = await JsonDocument.ParseAsync(stream);
            foreach (var message in json.RootElement.GetProperty("messages").EnumerateArray())
            {
                if (message.GetProperty("text").GetString() is { } text)
                {
                    stage.Decrypts(moeder, T("from the archive", "uit het archief"), text);
                    texts.Add(text);
                }
            }
        }
        stage.Expect(texts.SequenceEqual(sent), T($"the archive holds all {sent.Count} messages, decrypted on moeder's device",
            $"het archief bevat alle {sent.Count} berichten, ontsleuteld op het apparaat van moeder"));
        stage.Expect(result.DocumentsWritten == 2 && result.DocumentsNotWritten == 0, T("and both documents, decrypted", "en beide documenten, ontsleuteld"));
    }

    private async Task AuditAsync()
    {
        stage.Step(T("The audit log is verified: by a guardian for the family, by the privacy officer whole",
            "Het auditlogboek wordt gecontroleerd: door een ouder voor het gezin, door de privacy officer helemaal"));
        var family = await moeder.Client.VerifyAuditAsync(this.family, null);
        stage.Expect(family.Ok, T($"moeder verifies the family's {family.EntriesChecked} audit entries (signatures, inclusion proofs, no gaps)",
            $"moeder controleert de {family.EntriesChecked} auditregels van het gezin (handtekeningen, inclusiebewijzen, geen gaten)"));
        var whole = await officer.Client.VerifyAuditAsync(null, null);
        stage.Expect(whole.Ok, T($"fg.utrecht (privacy officer) verifies the whole log: {whole.EntriesChecked} entries, tree size {whole.Head?.TreeSize}",
            $"fg.utrecht (privacy officer) controleert het hele logboek: {whole.EntriesChecked} regels, boomgrootte {whole.Head?.TreeSize}"));
        await stage.CannotAsync(gemeente, "read the whole audit log (the privacy officer's task)", "het hele auditlogboek niet lezen (de taak van de privacy officer)", () => gemeente.Client.VerifyAuditAsync(null, null));
    }
}
