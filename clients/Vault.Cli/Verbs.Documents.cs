using System.CommandLine;
using Vault.Contracts;

namespace Vault.Cli;

/// <summary>`vault doc upload|list|download|versions|delete|restore`: the family's document vault.</summary>
internal static partial class Verbs
{
    private static Command Doc(Context c)
    {
        var categories = string.Join(", ", ConsentScopes.DocumentCategories);
        return new Command("doc",
            $"Documents, encrypted on this device: upload, list, download, versions, delete, restore. Categories: {categories}; " +
            "reading or writing one needs a grant on documents:CATEGORY (guardians need none).")
        {
            DocUpload(c), DocList(c), DocDownload(c), DocVersions(c), DocDelete(c), DocRestore(c),
        };
    }

    private static Verb DocUpload(Context c)
    {
        var (family, document, json) = (Opt.Family(), Opt.Document(required: false), Opt.Json());
        var category = Opt.Category("Who may read it follows the family's grants on documents:CATEGORY.", required: true);
        var description = Opt.Text("--description", "A short description (encrypted, like the name).", "TEXT");
        var file = new Argument<string>("FILE") { Description = "The file; its name is kept, encrypted (the server never sees it)." };
        document.Description = "Upload the file as a new version of this document (same --category).";
        return new Verb("upload",
            "Encrypt a file on this device and store it in the family's vault. When an upload is interrupted, the same " +
            "command run again resumes it (a changed file starts over).",
            $"vault doc upload --family {SomeId} --category verslag verslag-november.pdf",
            $"vault doc upload --family {SomeId} --category verslag --document {SomeId} verslag-november-v2.pdf",
            $"vault doc upload --family {SomeId} --category plan --description \"gezinsplan 2027\" plan.pdf --json")
        {
            family, category, document, description, json, file,
        }.Does(r => c.DocUpload(r.Must(family), r.Must(category), r.GetValue(file)!, r.GetValue(document), r.GetValue(description),
            r.GetValue(json)));
    }

    private static Verb DocList(Context c)
    {
        var (family, json) = (Opt.Family(), Opt.Json());
        var category = Opt.Category("Only this category.", required: false);
        var trash = Opt.Flag("--trash", "The deleted documents instead, with when each is purged.");
        return new Verb("list", "List the documents you can read, with their names (decrypted on this device).",
            $"vault doc list --family {SomeId}", $"vault doc list --family {SomeId} --category verslag --json",
            $"vault doc list --family {SomeId} --trash")
        {
            family, category, trash, json,
        }.Does(r => c.DocList(r.Must(family), r.GetValue(category), r.GetValue(trash), r.GetValue(json)));
    }

    private static Verb DocDownload(Context c)
    {
        var (family, document, json) = (Opt.Family(), Opt.Document(), Opt.Json());
        var version = Opt.Number("--version", "This version (default: the newest; `vault doc versions` lists them).", "N", 1);
        var output = Opt.Text("--out", "The file to write (only once everything verified).", "PATH", required: true);
        var force = Opt.Flag("--force", "Replace --out if it exists.");
        return new Verb("download",
            "Download and decrypt a document, verifying the uploader's signature, every chunk and the content hash before " +
            "--out appears; exit 3 when a check fails (nothing is saved then).",
            $"vault doc download --family {SomeId} --document {SomeId} --out verslag.pdf",
            $"vault doc download --family {SomeId} --document {SomeId} --version 1 --out verslag-v1.pdf --force")
        {
            family, document, version, output, force, json,
        }.Does(r => c.DocDownload(r.Must(family), r.Must(document), r.GetValue(version), r.Must(output), r.GetValue(force),
            r.GetValue(json)));
    }

    private static Verb DocVersions(Context c)
    {
        var (family, document, json) = (Opt.Family(), Opt.Document(), Opt.Json());
        return new Verb("versions", "List a document's versions, newest first: when, by whom, name and size.",
            $"vault doc versions --family {SomeId} --document {SomeId}")
        {
            family, document, json,
        }.Does(r => c.DocVersions(r.Must(family), r.Must(document), r.GetValue(json)));
    }

    private static Verb DocDelete(Context c)
    {
        var (family, document) = (Opt.Family(), Opt.Document());
        return new Verb("delete", "Move a document to the trash; it can be restored until the trash's retention ends.",
            $"vault doc delete --family {SomeId} --document {SomeId}")
        {
            family, document,
        }.Does(r => c.DocDelete(r.Must(family), r.Must(document)));
    }

    private static Verb DocRestore(Context c)
    {
        var (family, document) = (Opt.Family(), Opt.Document());
        return new Verb("restore", "Take a document out of the trash.", $"vault doc restore --family {SomeId} --document {SomeId}")
        {
            family, document,
        }.Does(r => c.DocRestore(r.Must(family), r.Must(document)));
    }
}
