using System.Text;
using Vault.Client;
using Vault.Contracts.DataSubject;
using Xunit;

namespace Vault.Server.Tests;

public sealed class ErasureTests() : DataSubjectScenario(new VaultServer())
{
    private static readonly string[] FamilyTables =
        ["Messages", "Channels", "KeyRings", "KeyWraps", "Documents", "DocumentVersions", "DocumentUploads", "Grants", "Memberships"];

    [Fact]
    public async Task Erase_Family_NothingReadableRemainsAndReceiptVerifies()
    {
        var filed = await FiledAsync(RequestKinds.Erasure);
        var uploads = Server.Column<Guid>("SELECT Id FROM DocumentUploads WHERE FamilyId = @f", ("@f", FamilyId));

        var (receipt, signed) = await Officer.EraseAsync(filed.Id);

        Assert.Equal((filed.Id, FamilyId, "request"), (receipt.RequestId, receipt.FamilyId, receipt.Reason));
        long Count(string part) => receipt.Parts.Single(p => p.Part == part).Count;
        Assert.Equal((2, 1, 1, 1, 3, 1), (Count("messages"), Count("channels"), Count("documents"), Count("document-versions"),
            Count("memberships"), Count("accounts")));
        Assert.True(Count("objects") >= 1 && Count("key-wraps") >= 3 && Count("audit-entries") > 10);
        Assert.All(receipt.Parts, p => Assert.Matches("^[0-9a-f]{64}$", p.Sha256));
        Assert.Equal(signed.Receipt, (await Officer.ErasureReceiptAsync(filed.Id)).Signed.Receipt); // kept, and verifies again

        // Nothing of the family in any table, object store, file or log.
        foreach (var table in FamilyTables)
        {
            Assert.Equal(0, Server.Column<long>($"SELECT COUNT(*) FROM {table} WHERE FamilyId = @f", ("@f", FamilyId)).Single());
        }
        Assert.Equal(0, Server.Column<long>("SELECT COUNT(*) FROM Families WHERE Id = @f", ("@f", FamilyId)).Single());
        Assert.Equal(0, Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE FamilyId = @f OR ActorUserId = @u",
            ("@f", FamilyId), ("@u", Guardian.Session!.UserId)).Single());
        Assert.All(uploads, upload => Assert.False(Directory.Exists(Path.Combine(Server.DataDirectory, "blobs", "documents", upload.ToString("N")))
            && Directory.EnumerateFiles(Path.Combine(Server.DataDirectory, "blobs", "documents", upload.ToString("N"))).Any()));
        var stored = Server.StoredBytes();
        foreach (var needle in Identifiers.Append(Secret).Select(Encoding.UTF8.GetBytes))
        {
            Assert.DoesNotContain(stored, bytes => bytes.AsSpan().IndexOf(needle) >= 0);
        }
        Assert.DoesNotContain(Server.Logs, line => Identifiers.Append(Secret).Any(id => line.Contains(id, StringComparison.Ordinal)));

        // The log still verifies, the family is gone for everyone, its guardian's account with it; the other family is untouched.
        var audit = await Officer.VerifyAuditAsync(null, null);
        Assert.True(audit.Ok, audit.Failure?.ToString());
        Assert.Equal(404, (await Assert.ThrowsAsync<VaultApiException>(() => Coordinator.HistoryAsync(FamilyId, ChannelId))).Status);
        await Assert.ThrowsAsync<VaultApiException>(() => Server.NewClient().RecoverOnNewDeviceAsync("moedera", Cast.Passphrase, "nieuwe telefoon"));
        var (others, _) = await OtherGuardian.HistoryAsync(OtherFamilyId, OtherChannelId);
        Assert.Equal("het andere gezin", Assert.Single(others).Text);
        var done = Assert.Single(await Officer.RequestQueueAsync(all: true), r => r.Id == filed.Id);
        Assert.Equal((RequestStatus.Done, true, null), (done.Status, done.HasReceipt, done.Details));
    }

    [Fact]
    public async Task Erase_Twice_SecondAnswersTheSameReceipt()
    {
        var filed = await FiledAsync(RequestKinds.Erasure);
        var (_, first) = await Officer.EraseAsync(filed.Id);
        var (_, second) = await Officer.EraseAsync(filed.Id);
        Assert.Equal(first.Receipt, second.Receipt);
        Assert.Equal(1, Server.Column<long>("SELECT COUNT(*) FROM AuditEntries WHERE Action = 'dsr.receipt.read'").Single());
    }

    [Fact]
    public async Task Erase_NotAnErasureRequest_RefusedNothingChanged()
    {
        var access = await FiledAsync(RequestKinds.Access);
        var refused = await Assert.ThrowsAsync<VaultApiException>(() => Officer.EraseAsync(access.Id));
        Assert.Equal(400, refused.Status);
        var erasure = await FiledAsync(RequestKinds.Erasure);
        var forbidden = await Assert.ThrowsAsync<VaultApiException>(() => Guardian.EraseAsync(erasure.Id));
        Assert.Equal(403, forbidden.Status);
        var (messages, _) = await Guardian.HistoryAsync(FamilyId, ChannelId);
        Assert.Equal(2, messages.Count);
    }
}
