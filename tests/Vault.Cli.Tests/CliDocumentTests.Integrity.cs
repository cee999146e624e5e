namespace Vault.Cli.Tests;

/// <summary>
/// What goes wrong on the way: an upload killed after its first block and the same command run again; a file changed
/// in between; a stored object tampered with, cut short or gone when it is downloaded.
/// </summary>
public sealed partial class CliDocumentTests
{
    private const int Block = 8 * 1024 * 1024; // the plaintext of one upload block: 128 chunks of 64 KiB

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Upload_KilledAfterTheFirstBlock_SameCommandResumesAndDownloadsByteExact()
    {
        var (file, bytes) = NewFile("jaarverslag.pdf", 2 * Block + 12345, seed: 8);
        string[] upload = ["doc", "upload", "--family", familyId, "--category", "verslag", file];
        using (var killer = new Interrupt(allowed: 1))
        {
            await Assert.ThrowsAsync<KilledException>(() => Run(guardian, upload, killer));
            Assert.Equal(1, killer.Completed); // the first block arrived, and nothing after it
        }
        var uploads = Path.Combine(guardian, "uploads");
        var checkpoint = Assert.Single(Directory.GetFiles(uploads));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(checkpoint)); // it holds the file key
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(uploads));
        Assert.Equal("", (await Ok(guardian, "doc", "list", "--family", familyId)).Out);
        var abandoned = Checkpoint(uploads, "abandoned", DateTime.UtcNow.AddDays(-8));
        var recent = Checkpoint(uploads, "recent", DateTime.UtcNow.AddDays(-6));

        using var counter = new Interrupt(allowed: int.MaxValue);
        var resumed = await Ok(guardian, upload, counter);

        Assert.Contains($"Resuming an upload of {file} from 8.0 MiB of 16.0 MiB.", resumed.Err, StringComparison.Ordinal);
        Assert.Equal(2, counter.Completed); // only the blocks the server did not have yet
        Assert.False(File.Exists(checkpoint));
        Assert.False(File.Exists(abandoned)); // an upload given up a week ago: its file key goes
        Assert.True(File.Exists(recent));
        var documentId = Match(resumed, "as document ([0-9a-f-]{36}), version 1");
        var output = Path.Combine(root, "jaarverslag.pdf");
        await Ok(guardian, "doc", "download", "--family", familyId, "--document", documentId, "--out", output);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Upload_FileChangedAfterAnInterruption_StartsOverAndStoresTheNewContent()
    {
        var (file, _) = NewFile("plan.pdf", Block + 1000, seed: 9);
        string[] upload = ["doc", "upload", "--family", familyId, "--category", "plan", file];
        using (var killer = new Interrupt(allowed: 1))
        {
            await Assert.ThrowsAsync<KilledException>(() => Run(guardian, upload, killer));
        }
        var (_, changed) = NewFile("plan.pdf", Block + 1000, seed: 10); // same name and size
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddMinutes(1));

        using var counter = new Interrupt(allowed: int.MaxValue);
        var again = await Ok(guardian, upload, counter);

        Assert.DoesNotContain("Resuming", again.Err, StringComparison.Ordinal);
        Assert.Equal(2, counter.Completed); // both blocks: from the start
        var output = Path.Combine(root, "plan.pdf");
        await Ok(guardian, "doc", "download", "--family", familyId, "--document", Match(again, "as document ([0-9a-f-]{36})"), "--out", output);
        Assert.Equal(changed, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Upload_GrantWithdrawnAfterAnInterruption_RerunRefusedNamingTheGrantItNeeds()
    {
        var grant = Match(await Ok(guardian, "grant", "--family", familyId, "--user", coordinatorId, "--scope", "documents:verslag",
            "--purpose", "verslaglegging", "--permission", "write"), "Grant ([0-9a-f-]{36})");
        var (file, _) = NewFile("verslag.pdf", Block + 1000, seed: 14);
        string[] upload = ["doc", "upload", "--family", familyId, "--category", "verslag", file];
        using (var killer = new Interrupt(allowed: 1))
        {
            await Assert.ThrowsAsync<KilledException>(() => Run(coordinator, upload, killer));
        }
        await Ok(guardian, "withdraw", "--family", familyId, "--grant", grant);

        var refused = await Run(coordinator, upload);

        Assert.Equal(1, refused.Code);
        Assert.Contains("(urn:vault:problem:no-consent)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("hint: Ask a guardian of the family for a grant on documents:verslag with --permission write", refused.Err,
            StringComparison.Ordinal);
    }

    public enum Tamper { FlippedByte, CutShort, Gone }

    [Theory]
    [InlineData(Tamper.FlippedByte, 3, "Verification failed: ", "Nothing was saved to")]
    [InlineData(Tamper.CutShort, 3, "Verification failed: ", "Nothing was saved to")]
    [InlineData(Tamper.Gone, 1, "(urn:vault:problem:store-unavailable)", "hint: Nothing was lost: run the same command again")]
    public async Task Download_StoredObjectTampered_FailsWithItsExitCodeAndLeavesNoFile(Tamper tamper, int exitCode, string says,
        string andSays)
    {
        var (file, _) = NewFile("verslag.pdf", 4 * 64 * 1024 + 100, seed: 11);
        var documentId = Match(await Ok(guardian, "doc", "upload", "--family", familyId, "--category", "verslag", file),
            "as document ([0-9a-f-]{36})");
        var stored = Assert.Single(Directory.GetFiles(Path.Combine(server.DataDirectory, "blobs", "documents"), "*",
            SearchOption.AllDirectories));
        var bytes = await File.ReadAllBytesAsync(stored);
        switch (tamper)
        {
            case Tamper.FlippedByte:
                bytes[bytes.Length / 2] ^= 0x01; // in the third chunk: two chunks were written out before it fails
                await File.WriteAllBytesAsync(stored, bytes);
                break;
            case Tamper.CutShort:
                await File.WriteAllBytesAsync(stored, bytes[..^1000]);
                break;
            case Tamper.Gone:
                File.Delete(stored);
                break;
        }
        var folder = Directory.CreateDirectory(Path.Combine(root, "out")).FullName;

        var failed = await Run(guardian, ["doc", "download", "--family", familyId, "--document", documentId, "--out",
            Path.Combine(folder, "verslag.pdf")], progress: new StringWriter());

        Assert.Equal(exitCode, failed.Code);
        Assert.Contains(says, failed.Err, StringComparison.Ordinal);
        Assert.Contains(andSays, failed.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(folder)); // neither --out nor its temporary file
    }

    private static string Checkpoint(string folder, string name, DateTime written)
    {
        var path = Path.Combine(folder, name + ".upload");
        File.WriteAllText(path, "{}");
        File.SetLastWriteTimeUtc(path, written);
        return path;
    }

    /// <summary>
    /// The CLI's connection to the real server, which "kills" the CLI as its PATCH number <c>allowed + 1</c> starts: the
    /// blocks before it are stored and checkpointed, and the exception is one neither the CLI nor the SDK handles, so
    /// nothing more is sent (only disposals run), as after kill -9. Counts the PATCHes the server took.
    /// </summary>
    private sealed class Interrupt(int allowed) : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Completed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var patch = request.Method == HttpMethod.Patch;
            if (patch && Completed == allowed)
            {
                throw new KilledException();
            }
            var response = await base.SendAsync(request, cancellationToken);
            Completed += patch && response.IsSuccessStatusCode ? 1 : 0;
            return response;
        }
    }
}

public sealed class KilledException : Exception
{
    public KilledException() : base("The CLI was killed.")
    {
    }

    public KilledException(string message) : base(message)
    {
    }

    public KilledException(string message, Exception inner) : base(message, inner)
    {
    }
}
