using System.CommandLine;

namespace Vault.Cli;

/// <summary>
/// `vault dsr export`: a guardian's copy of everything the server holds about the family (AVG articles 15 and 20).
/// One verb of the `dsr` group (Verbs.DataSubject.cs).
/// </summary>
internal static partial class Verbs
{
    internal static Verb DsrExport(Context c)
    {
        var (family, json) = (Opt.Family(), Opt.Json());
        var request = Opt.Id("--request", "The access or portability request this export answers (it is done once the export is served).",
            "`vault dsr list --family ID` shows it", required: false);
        var output = Opt.Text("--out", "An empty or new directory for the archive.", "DIR", required: true);
        return new Verb("export",
            "Export everything the server holds about a family (guardians only) into --out: the signed package as received " +
            "(package.ndjson), the messages and documents decrypted on this device, members, grants, the audit trail and " +
            "samenvatting.txt. The package is checked against the summary the server signed: exit 3 when it is incomplete " +
            "or altered. Layout: security/export.md.",
            $"vault dsr export --family {SomeId} --out ~/gezin-export",
            $"vault dsr export --family {SomeId} --out ./export --json",
            $"vault dsr export --family {SomeId} --out ./export --request {SomeId}")
        {
            family, output, request, json,
        }.Does(r => c.DsrExport(r.Must(family), r.Must(output), r.GetValue(request), r.GetValue(json)));
    }
}
