using System.CommandLine;

namespace Vault.Cli;

/// <summary>`vault family ...`, `vault grant`, `vault grants`, `vault withdraw`.</summary>
internal static partial class Verbs
{
    private const string SomeId = "3f2b1c4e-9a7d-4e21-b5c3-0d8e6f1a2b3c";

    private static Command Family(Context c)
    {
        var reference = Opt.Text("--reference", "The case reference (not a name: the server keeps no readable name of a family).",
            "REF", required: true);
        var gemeente = Opt.Text("--gemeente", "The CBS municipality code, e.g. GM0363 (Amsterdam).", "GM0000", required: true);
        var start = Opt.Date("--start", "The start of the trajectory.", required: true);
        var end = Opt.Date("--end", "The planned end.");
        var createJson = Opt.Json();
        var create = new Verb("create", "Open a family (coordinators and wijkcoaches).",
            "vault family create --reference KG-2026-7 --gemeente GM0363 --start 2026-11-01")
        {
            reference, gemeente, start, end, createJson,
        }.Does(r => c.FamilyCreate(r.Must(reference), r.Must(gemeente), r.Must(start), r.GetValue(end), r.GetValue(createJson)));

        var listJson = Opt.Json();
        var list = new Verb("list", "List your families: id, reference and your role in each.", "vault family list", "vault family list --json")
        {
            listJson,
        }.Does(r => c.FamilyList(r.GetValue(listJson)));

        var (membersOf, membersJson) = (Opt.Family(), Opt.Json());
        var members = new Verb("members", "List a family's members with their ids and roles.",
            $"vault family members --family {SomeId}")
        {
            membersOf, membersJson,
        }.Does(r => c.FamilyMembers(r.Must(membersOf), r.GetValue(membersJson)));

        var code = Opt.Text("--code", "The family invitation code you were given.", "CODE", required: true);
        var joinJson = Opt.Json();
        var join = new Verb("join", "Join a family with an existing account.", "vault family join --code CODE")
        {
            code, joinJson,
        }.Does(r => c.FamilyJoin(r.Must(code), r.GetValue(joinJson)));

        var inviteTo = Opt.Family();
        var role = Opt.Role("The role in the family (a guardian invites a guardian, child or network; a coordinator or wijkcoach anyone).",
            Vault.Contracts.Roles.FamilyRoles);
        var born = Opt.Date("--born", "A child's date of birth (decides the consent age rules).");
        var inviteJson = Opt.Json();
        var invite = new Verb("invite", "Invite someone into a family; prints the code to hand over.",
            $"vault family invite --family {SomeId} --role guardian",
            $"vault family invite --family {SomeId} --role child --born 2012-05-17")
        {
            inviteTo, role, born, inviteJson,
        }.Does(r => c.FamilyInvite(r.Must(inviteTo), r.Must(role), r.GetValue(born), r.GetValue(inviteJson)));

        return new Command("family", "Families: open, list, members, invitations.") { create, list, members, join, invite };
    }

    private static Verb Grant(Context c)
    {
        var family = Opt.Family();
        var user = Opt.User("Who receives access.");
        var scope = Opt.Text("--scope", "What the grant covers: channel:ID, documents:CATEGORY (plan, verslag, beschikking, voortgang, overig), progress or members.", "SCOPE", required: true);
        var purpose = Opt.Text("--purpose", "Why: recorded with the grant and shown to the family.", "TEXT", required: true);
        var permission = Opt.Permission("Default read.");
        var basis = Opt.Text("--basis", "The legal basis (default consent).", "BASIS");
        var until = Opt.Date("--until", "When the grant lapses (default: until withdrawn).");
        var subject = Opt.Id("--subject", "The child the grant is about, when it is about one child.",
            "`vault family members --family ID` shows the ids", required: false);
        var history = Opt.Flag("--history", "Let them read what was written before too, e.g. earlier documents (default: only from now on).");
        var json = Opt.Json();
        return new Verb("grant", "Sign a consent grant on this device (guardians); the scope's key is shared with the grantee.",
            $"vault grant --family {SomeId} --user {SomeId} --scope channel:{SomeId} --purpose \"begeleiding\" --permission write",
            $"vault grant --family {SomeId} --user {SomeId} --scope documents:verslag --purpose \"verslagen lezen\" --until 2027-07-01 --history")
        {
            family, user, scope, purpose, permission, basis, until, subject, history, json,
        }.Does(r => c.Grant(r.Must(family), r.Must(user), r.Must(scope), r.GetValue(permission), r.Must(purpose),
            r.GetValue(basis), r.GetValue(until), r.GetValue(subject), r.GetValue(history), r.GetValue(json)));
    }

    private static Verb Cosign(Context c)
    {
        var (family, json) = (Opt.Family(), Opt.Json());
        var grant = Opt.Id("--grant", "The grant awaiting your signature.", "`vault grants --family ID` shows them and who they await");
        return new Verb("cosign",
            "Add your signature to a grant that awaits it (a child of 12 to 15 co-signs grants about them; read it first with " +
            "`vault grants`). The grant takes effect once everyone awaited has signed.",
            $"vault cosign --family KG-2026-7 --grant {SomeId}")
        {
            family, grant, json,
        }.Does(r => c.Cosign(r.Must(family), r.Must(grant), r.GetValue(json)));
    }

    private static Verb Grants(Context c)
    {
        var (family, json) = (Opt.Family(), Opt.Json());
        return new Verb("grants", "List a family's consent grants: state, grantee, scope (a channel by its name), until when and why.",
            $"vault grants --family {SomeId}", $"vault grants --family {SomeId} --json")
        {
            family, json,
        }.Does(r => c.Grants(r.Must(family), r.GetValue(json)));
    }

    private static Verb Withdraw(Context c)
    {
        var family = Opt.Family();
        var grant = Opt.Id("--grant", "The grant to withdraw.", "`vault grants --family ID` shows them");
        var reason = Opt.Text("--reason", "Why (recorded).", "TEXT");
        var json = Opt.Json();
        var receiptOut = Opt.Text("--receipt-out", "Where to save the signed receipt (default: receipts/withdrawal-GRANT.json in the profile's directory).", "PATH");
        return new Verb("withdraw",
            "Withdraw a grant; prints the signed receipt of what the grantee accessed and saves it, signature included, as a file " +
            "that `vault receipt verify` checks offline.",
            $"vault withdraw --family {SomeId} --grant {SomeId} --reason \"traject afgerond\"",
            $"vault withdraw --family {SomeId} --grant {SomeId} --receipt-out intrekking.json")
        {
            family, grant, reason, json, receiptOut,
        }.Does(r => c.Withdraw(r.Must(family), r.Must(grant), r.GetValue(reason), r.GetValue(json), r.GetValue(receiptOut)));
    }
}
