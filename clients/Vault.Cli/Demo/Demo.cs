using Vault.Cli.Demo;

namespace Vault.Cli;

/// <summary>`vault demo`: the whole family lifecycle on a running server (see <see cref="DemoScenario"/>).</summary>
internal sealed partial class Context
{
    public async Task<int> Demo(string server, string invitation, string? workDirectory, int verslagMiB)
    {
        var work = Path.GetFullPath(workDirectory ?? $"vault-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        if (File.Exists(work) || (Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any()))
        {
            throw new CliException($"{work} already exists and is not empty: nothing was done.",
                hint: "Give --work a new or empty directory (the demo keeps its accounts' keys and passphrases there).");
        }
        Profiles.CreatePrivateDirectory(work);
        var stage = new DemoStage(stdout, Lang == "nl");
        stdout.WriteLine(stage.T(
            $"Vault demo against {server}. Its files (each person's device as a VAULT_HOME, their passphrase, the files, " +
            $"the receipt and the export) are kept in {work}: a demo's secrets, readable by you only.",
            $"Vault-demo tegen {server}. De bestanden (het apparaat van elke persoon als VAULT_HOME, hun wachtwoordzin, de " +
            $"bestanden, het bewijs en de export) staan in {work}: geheimen van een demo, alleen voor jou leesbaar."));
        stdout.WriteLine(stage.T("Text in “curly quotes” is content: encrypted on the device that wrote it; the server never sees it.",
            "Tekst tussen “aanhalingstekens” is inhoud: versleuteld op het apparaat dat hem schreef; de server ziet hem nooit."));
        var scenario = new DemoScenario(server, invitation, work, verslagMiB, stage, () => Client(server), progress);
        try
        {
            await scenario.RunAsync();
        }
        catch (Exception) when (Stop(stage))
        {
            throw; // never reached: Stop returns false, the error is reported as every command's is
        }
        stage.Summary(stopped: false);
        if (stage.Failures.Count > 0)
        {
            return ExitCodes.Failed;
        }
        stdout.WriteLine();
        stdout.WriteLine(stage.T("Go on as one of them with the CLI, e.g.:", "Ga verder als een van hen met de CLI, bijvoorbeeld:"));
        var moeder = Path.Combine(work, "people", "moeder.bakker");
        stdout.WriteLine($"  VAULT_HOME={moeder} vault family list");
        stdout.WriteLine($"  VAULT_HOME={moeder} vault login --passphrase-file {Path.Combine(moeder, "passphrase")}");
        return ExitCodes.Ok;
    }

    /// <summary>The summary of what held so far, before the error itself is printed.</summary>
    private static bool Stop(DemoStage stage)
    {
        stage.Summary(stopped: true);
        return false;
    }
}
