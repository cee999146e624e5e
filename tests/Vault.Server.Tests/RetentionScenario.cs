using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Families;
using Vault.Server.Retention;

namespace Vault.Server.Tests;

/// <summary>
/// Families for the retention clocks: one coordinator and one guardian, each family with an "overig" and a "verslag"
/// document and a channel of three messages, its traject completed through the API. The clocks run by moving the
/// stored end day back (a fake clock moved by years would fire every periodic timer once per period in between).
/// Retention: overig 2 years, voortgang 4, channels 5, the rest (and the family) 20.
/// </summary>
public abstract class RetentionScenario : IAsyncLifetime
{
    protected RetentionScenario(VaultServer server)
    {
        Server = server;
        Server.Settings["Vault:Retention:CategoryYearsAfterEnd:overig"] = "2";
        Server.Settings["Vault:Retention:CategoryYearsAfterEnd:voortgang"] = "4";
        Server.Settings["Vault:Retention:ChannelYearsAfterEnd"] = "5";
        Cast = new Cast(server);
    }

    protected VaultServer Server { get; }
    protected Cast Cast { get; }
    protected VaultClient Coordinator { get; private set; } = null!;
    protected VaultClient Guardian { get; private set; } = null!;
    protected Seeded First { get; private set; } = null!;

    protected RetentionJob Job => Server.Services.GetRequiredService<RetentionJob>();

    protected static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    protected sealed record Seeded(Guid FamilyId, Guid Overig, Guid Verslag, Guid ChannelId);

    public virtual async Task InitializeAsync()
    {
        (var familyId, Coordinator, Guardian) = await Cast.FamilyAsync();
        First = await FillAsync(familyId);
    }

    public virtual Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Another family of the same coordinator and guardian, filled and ended like the first.</summary>
    protected async Task<Seeded> SeedFamilyAsync(string reference)
    {
        var family = await Coordinator.CreateFamilyAsync(new CreateFamilyRequest(reference, "GM0363", new DateOnly(2026, 11, 1), null));
        await Cast.JoinAsync(Coordinator, Guardian, family.Id, Roles.Guardian);
        return await FillAsync(family.Id);
    }

    private async Task<Seeded> FillAsync(Guid familyId)
    {
        var overig = await UploadAsync(familyId, "overig", 100, seed: 1);
        var verslag = await UploadAsync(familyId, "verslag", 200, seed: 2);
        var channel = await Cast.IntroChannelAsync(Guardian, familyId, Coordinator);
        for (var i = 0; i < 3; i++)
        {
            await Guardian.SendAsync(familyId, channel.Id, $"bericht {i}");
        }
        await Coordinator.UpdateTrajectAsync(familyId, "completed", null);
        return new Seeded(familyId, overig, verslag, channel.Id);
    }

    protected async Task<Guid> UploadAsync(Guid familyId, string category, long length, int seed, Guid? documentId = null) =>
        (await Guardian.UploadDocumentAsync(familyId, category, new PatternStream(length, seed),
            new UploadOptions { DocumentId = documentId, Name = category + ".pdf" })).DocumentId;

    /// <summary>The traject ended <paramref name="yearsAgo"/> years ago (and a day), with a legal hold if given.</summary>
    protected void Ended(Guid familyId, int yearsAgo, string? holdGround = null, DateOnly? holdUntil = null) =>
        Server.Sql("UPDATE Families SET EndedOn = @d, LegalHoldGround = @g, LegalHoldUntil = @u WHERE Id = @id",
            ("d", Today.AddYears(-yearsAgo).AddDays(-1)), ("g", (object?)holdGround ?? DBNull.Value),
            ("u", (object?)holdUntil ?? DBNull.Value), ("id", familyId));

    protected long Count(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(Server.Scalar(sql, parameters), System.Globalization.CultureInfo.InvariantCulture);

    protected long Documents(Guid familyId, string category) =>
        Count("SELECT COUNT(*) FROM Documents WHERE FamilyId = @f AND Category = @c", ("f", familyId), ("c", category));

    protected long Messages(Guid familyId) => Count("SELECT COUNT(*) FROM Messages WHERE FamilyId = @f", ("f", familyId));

    /// <summary>The uploads that hold a document's versions.</summary>
    protected List<Guid> UploadsOf(Guid documentId) =>
        Server.Column<Guid>("SELECT UploadId FROM DocumentVersions WHERE DocumentId = @d", ("d", documentId));

    /// <summary>Files in the blob store under an upload.</summary>
    protected int BlobFiles(Guid uploadId)
    {
        var directory = Path.Combine(Server.DataDirectory, "blobs", "documents", uploadId.ToString("N"));
        return Directory.Exists(directory) ? Directory.GetFiles(directory).Length : 0;
    }

    /// <summary>Every object in the blob store's documents area, each named by a segment row (no object the database forgot).</summary>
    protected void AssertEveryObjectHasARow()
    {
        var root = Path.Combine(Server.DataDirectory, "blobs", "documents");
        var keys = Server.Column<Guid>("SELECT Id FROM UploadSegments").Select(id => id.ToString("N")).ToHashSet();
        Assert.All(Directory.GetFiles(root, "*", SearchOption.AllDirectories), file => Assert.Contains(Path.GetFileName(file), keys));
    }

    /// <summary>The resources of the retention entries about a family, in log order.</summary>
    protected List<string> RetentionEntries(Guid familyId) =>
        Server.Column<string>("SELECT Action || ' ' || Resource FROM AuditEntries WHERE FamilyId = @f AND Action LIKE 'retention.%purged' ORDER BY \"Index\"",
            ("f", familyId));
}
