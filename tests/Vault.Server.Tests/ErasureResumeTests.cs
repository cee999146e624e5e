using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.DataSubject;
using Vault.Server.DataSubject;

namespace Vault.Server.Tests;

/// <summary>
/// An erasure cut off in the middle: the server process is killed while the blob store refuses to delete an object (the
/// keys are gone by then, the documents not yet), and the next start finishes it — with the same kind of receipt, a
/// valid audit log and nothing of the family left. Runs the server as a real process so that "killed" means killed.
/// </summary>
public sealed class ErasureResumeTests
{
    [Fact]
    public async Task Erase_ServerKilledMidway_FinishesOnNextStart()
    {
        var data = Path.Combine(Path.GetTempPath(), "vault-erasure-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string> { ["Vault:DataDirectory"] = data };
        VaultClient officer;
        Guid familyId, requestId, uploadId;
        try
        {
            using (var setup = new VaultServer { DataDirectoryOverride = data, KeepData = true })
            {
                var cast = new Cast(setup);
                (familyId, var coordinator, var guardian) = await cast.FamilyAsync();
                var channel = await Cast.IntroChannelAsync(guardian, familyId, coordinator);
                await guardian.SendAsync(familyId, channel.Id, "een bericht");
                await guardian.UploadDocumentAsync(familyId, "plan", new MemoryStream(Encoding.UTF8.GetBytes("een plan")),
                    new UploadOptions { Name = "plan.txt" });
                officer = await cast.AccountAsync(Roles.PrivacyOfficer, "functionaris");
                requestId = (await guardian.FileRequestAsync(familyId, RequestKinds.Erasure)).Id;
                uploadId = setup.Column<Guid>("SELECT Id FROM DocumentUploads WHERE FamilyId = @f", ("@f", familyId)).Single();
                if (setup.PostgresConnectionString is { } postgres)
                {
                    settings["Vault:Database:Provider"] = "postgres";
                    settings["Vault:Database:ConnectionString"] = postgres;
                }
            }

            // An object the store cannot delete: a directory (with something in it) where its file was.
            var blocked = Directory.GetFiles(Path.Combine(data, "blobs", "documents", uploadId.ToString("N"))).Single();
            File.Delete(blocked);
            Directory.CreateDirectory(blocked);
            await File.WriteAllTextAsync(Path.Combine(blocked, "in-de-weg"), "x");
            using (var node = await NodeProcess.StartAsync(settings))
            {
                var failed = await Assert.ThrowsAsync<VaultApiException>(() => node.Client(officer).EraseAsync(requestId));
                Assert.Equal((503, ProblemTypes.StoreUnavailable), (failed.Status, failed.ProblemType));
            } // killed, the erasure half done

            Directory.Delete(blocked, recursive: true);
            using var restarted = new VaultServer { DataDirectoryOverride = data };
            var client = restarted.NewClient();
            client.Resume(officer.Session!);
            await restarted.Services.GetRequiredService<ErasureRunner>().ResumeAsync(CancellationToken.None);

            var (receipt, _) = await client.ErasureReceiptAsync(requestId); // verified against the pinned audit key
            Assert.Equal((familyId, 1L, 1L), (receipt.FamilyId, receipt.Parts.Single(p => p.Part == "messages").Count,
                receipt.Parts.Single(p => p.Part == "documents").Count));
            Assert.Equal(0, restarted.Column<long>("SELECT COUNT(*) FROM Families WHERE Id = @f", ("@f", familyId)).Single());
            Assert.Equal(0, restarted.Column<long>("SELECT COUNT(*) FROM Messages WHERE FamilyId = @f", ("@f", familyId)).Single());
            Assert.Equal(0, restarted.Column<long>("SELECT COUNT(*) FROM UploadSegments").Single());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "blobs", "documents"), "*", SearchOption.AllDirectories));
            var audit = await client.VerifyAuditAsync(null, null);
            Assert.True(audit.Ok, audit.Failure?.ToString());
            Assert.Equal(RequestStatus.Done, (await client.RequestAsync(requestId)).Status);
        }
        finally
        {
            using var cleanup = new VaultServer { DataDirectoryOverride = data };
            cleanup.NewHttp().Dispose(); // started once so that disposing removes its data (and its PostgreSQL database)
        }
    }
}
