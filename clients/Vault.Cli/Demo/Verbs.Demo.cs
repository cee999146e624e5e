using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault demo`.</summary>
internal static partial class Verbs
{
    private static Verb Demo(Context c)
    {
        var server = Opt.Server(required: true);
        var invitation = Opt.Text("--invite", "The admin invitation the server printed at its first start (`Admin invitation: CODE`); " +
            "the demo uses it up, so run it on a server you made for it.", "CODE", required: true);
        var work = Opt.Text("--work", "A new or empty directory for the demo's files (default: vault-demo-DATE-TIME here).", "DIR");
        var size = Opt.Number("--verslag-mib", "The size of the krachtgezin's verslag in MiB (default 24).", "N", 1);
        return new Verb("demo",
            "Play one family's story end to end on a fresh server: a coordinator opens a family, guardians and professionals " +
            "join, they talk in the kennismaking channel, sign consent, share a beschikking and a large verslag, withdraw a " +
            "grant, read the family's access log, export its data and verify the audit log. Each step says what every party " +
            "could and could not see; exit 1 if any expectation fails.",
            "vault demo --server http://127.0.0.1:5080 --invite CODE",
            "vault demo --server http://127.0.0.1:5080 --invite CODE --work ~/vault-demo --verslag-mib 64")
        {
            server, invitation, work, size,
        }.Does(r => c.Demo(r.Must(server), r.Must(invitation), r.GetValue(work), r.GetValue(size) ?? 24));
    }
}
