using System.Text.Json;
using Vault.Client;

namespace Vault.Cli.Demo;

/// <summary>Part three of the demo: the family's own access view, an export decrypted on a guardian's device, the audit log.</summary>
internal sealed partial class DemoScenario
{
    private async Task FamilyViewAsync()
    {
        stage.Step("Moeder looks at who accessed the family's data (the gemeente's part), verified against the signed log");
        var view = await moeder.Client.ReadAccessViewAsync(family, new AccessViewFilter(Actor: gemeente.Id));
        stage.Note(view.Proven);
        foreach (var entry in view.Entries.Reverse().Take(12))
        {
            stage.Note($"{entry.Time.UtcDateTime:HH:mm:ss}  {(entry.Allowed ? "toegestaan" : "GEWEIGERD "),-10} {entry.Dutch}");
        }
        stage.Expect(view.Ok, "the access view verified: every entry proven in the signed log, the family's sequence without gaps");
        stage.Expect(view.Entries.Any(e => e.Allowed && e.Resource?.Contains(beschikking.ToString(), StringComparison.Ordinal) == true),
            "it shows the gemeente opening the beschikking");
        stage.Expect(view.Entries.Count(e => !e.Allowed) >= 2, "it shows the gemeente's refused attempts (the channel, the verslag)");
    }

    private async Task ExportAsync()
    {
        stage.Step("A data-subject request: moeder exports the family's data and her device decrypts it");
        var directory = Path.Combine(work, "export");
        var result = await moeder.Client.ExportFamilyAsync(family, directory);
        stage.Note($"Archive: {directory} (samenvatting.txt first): " +
                   string.Join(", ", result.Counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}")));
        stage.Expect(result.Verified, "the export is complete and signed by the server (every part counted and hashed)");
        var texts = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(directory, "channels"), "*.json"))
        {
            await using var stream = File.OpenRead(file);
            using var json = await JsonDocument.ParseAsync(stream);
            foreach (var message in json.RootElement.GetProperty("messages").EnumerateArray())
            {
                if (message.GetProperty("text").GetString() is { } text)
                {
                    stage.Decrypts(moeder, "from the archive", text);
                    texts.Add(text);
                }
            }
        }
        stage.Expect(texts.SequenceEqual(sent), $"the archive holds all {sent.Count} messages, decrypted on moeder's device");
        stage.Expect(result.DocumentsWritten == 2 && result.DocumentsNotWritten == 0, "and both documents, decrypted");
    }

    private async Task AuditAsync()
    {
        stage.Step("The audit log is verified: by a guardian for the family, by the privacy officer whole");
        var family = await moeder.Client.VerifyAuditAsync(this.family, null);
        stage.Expect(family.Ok, $"moeder verifies the family's {family.EntriesChecked} audit entries (signatures, inclusion proofs, no gaps)");
        var whole = await officer.Client.VerifyAuditAsync(null, null);
        stage.Expect(whole.Ok, $"fg.utrecht (privacy officer) verifies the whole log: {whole.EntriesChecked} entries, tree size {whole.Head?.TreeSize}");
        await stage.CannotAsync(gemeente, "read the whole audit log (the privacy officer's task)", () => gemeente.Client.VerifyAuditAsync(null, null));
    }
}
