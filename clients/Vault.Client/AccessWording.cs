using System.Globalization;
using Vault.Contracts;

namespace Vault.Client;

/// <summary>
/// Audit entries in plain Dutch and English for the family's access view: "Jan (wijkcoach) las 3 berichten in kanaal
/// kennismaking — doel: begeleiding". One line per audit action the server writes; an action this SDK does not know
/// yet is still shown by its name.
/// </summary>
public static class AccessWording
{
    /// <summary>Dutch and English for each action; {0} is what it concerns (a channel, a document category, a scope).</summary>
    public static readonly IReadOnlyDictionary<string, (string Dutch, string English)> Actions =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["login.succeeded"] = ("logde in", "signed in"),
            ["login.failed"] = ("probeerde in te loggen", "tried to sign in"),
            ["family.created"] = ("opende het gezinsdossier", "opened the family file"),
            ["family.read"] = ("bekeek het gezinsdossier", "viewed the family file"),
            ["traject.updated"] = ("wijzigde de status van het traject", "changed the traject's status"),
            ["families.listed"] = ("bekeek de lijst van gezinnen", "listed the families"),
            ["progress.read"] = ("bekeek de voortgang", "viewed the progress"),
            ["member.invited"] = ("nodigde iemand uit voor het gezin", "invited someone into the family"),
            ["member.joined"] = ("werd lid van het gezin", "joined the family"),
            ["member.removed"] = ("haalde {0} uit het gezin", "removed {0} from the family"),
            ["members.read"] = ("bekeek de ledenlijst", "viewed the member list"),
            ["grant.created"] = ("maakte een toestemming aan voor {0}", "created a consent grant for {0}"),
            ["grant.signed"] = ("ondertekende een toestemming voor {0}", "signed a consent grant for {0}"),
            ["grant.withdrawn"] = ("trok een toestemming in voor {0}", "withdrew a consent grant for {0}"),
            ["grant.lapsed"] = ("zag een toestemming voor {0} aflopen", "saw a consent grant for {0} run out"),
            ["grants.read"] = ("bekeek de toestemmingen", "viewed the consent grants"),
            ["access.read"] = ("bekeek wie waartoe toegang heeft", "viewed who has access to what"),
            ["keyring.read"] = ("haalde de sleutels op van {0}", "fetched the keys of {0}"),
            ["keyring.rotated"] = ("verving de sleutels van {0}", "replaced the keys of {0}"),
            ["keyring.wrapped"] = ("deelde de sleutels van {0}", "shared the keys of {0}"),
            ["keyring.recipients.read"] = ("bekeek wie {0} kan lezen", "viewed who can read {0}"),
            ["keyring.self-wrapped"] = ("zette de sleutels van {0} op een eigen nieuw apparaat", "put the keys of {0} on their own new device"),
            ["channel.created"] = ("opende {0}", "opened {0}"),
            ["channels.read"] = ("bekeek {0}", "viewed {0}"),
            ["channel.updated"] = ("wijzigde de instellingen van {0}", "changed the settings of {0}"),
            ["message.sent"] = ("stuurde een bericht in {0}", "sent a message in {0}"),
            ["message.delivered"] = ("ontving {1} in {0}", "received {2} in {0}"),
            ["messages.expired"] = ("zag berichten in {0} verlopen (bewaartermijn)", "saw messages in {0} expire (retention)"),
            ["message.history.read"] = ("las {1} in {0}", "read {2} in {0}"),
            ["message.read"] = ("markeerde berichten in {0} als gelezen", "marked messages in {0} as read"),
            ["message.receipts.read"] = ("bekeek de leesbevestigingen in {0}", "viewed the read receipts in {0}"),
            ["audit.read"] = ("bekeek het toegangslogboek", "viewed the access log"),
            ["audit.fields.erased"] = ("wiste persoonsgegevens uit het logboek", "erased personal fields from the log"),
            ["device.registered"] = ("voegde een apparaat toe", "added a device"),
            ["device.revoked"] = ("trok een apparaat in", "revoked a device"),
            ["account.passphrase.changed"] = ("wijzigde het wachtwoord", "changed the passphrase"),
            ["document.upload.started"] = ("begon een document te uploaden in {0}", "started uploading a document to {0}"),
            ["document.upload.written"] = ("uploadde een deel van een document in {0}", "uploaded part of a document to {0}"),
            ["document.upload.expired"] = ("zag een onafgemaakte upload in {0} verlopen", "saw an unfinished upload in {0} expire"),
            ["document.version.created"] = ("zette een nieuwe versie van een document in {0}", "added a new document version to {0}"),
            ["documents.listed"] = ("bekeek de lijst van documenten", "listed the documents"),
            ["document.versions.read"] = ("bekeek de versies van een document in {0}", "viewed a document's versions in {0}"),
            ["document.version.read"] = ("bekeek een documentversie in {0}", "viewed a document version in {0}"),
            ["document.content.read"] = ("opende een document in {0}", "opened a document in {0}"),
            ["document.deleted"] = ("verplaatste een document in {0} naar de prullenbak", "moved a document in {0} to the trash"),
            ["document.restored"] = ("haalde een document in {0} terug uit de prullenbak", "restored a document in {0} from the trash"),
            ["document.purged"] = ("verwijderde een document in {0} definitief", "deleted a document in {0} for good"),
            ["privacy.audit.queried"] = ("doorzocht het toegangslogboek (privacytoezicht)", "searched the access log (privacy oversight)"),
            ["privacy.families.listed"] = ("bekeek de lijst van gezinnen (privacytoezicht)", "listed the families (privacy oversight)"),
            ["privacy.family.read"] = ("bekeek de leden en toestemmingen van het gezin (privacytoezicht)",
                "viewed the family's members and consent grants (privacy oversight)"),
            ["privacy.report.read"] = ("bekeek het rapport van ongewone toegang", "viewed the report of unusual access"),
            ["restriction.write.refused"] = ("probeerde iets te wijzigen terwijl het gezin beperkt was", "tried to change something while the family was restricted"),
            ["dsr.received"] = ("diende een AVG-verzoek in", "filed a data-subject request"),
            ["dsr.read"] = ("bekeek de AVG-verzoeken", "viewed the data-subject requests"),
            ["dsr.started"] = ("nam een AVG-verzoek in behandeling", "took a data-subject request in hand"),
            ["dsr.extended"] = ("verlengde de termijn van een AVG-verzoek", "extended a data-subject request's deadline"),
            ["dsr.refused"] = ("wees een AVG-verzoek af", "refused a data-subject request"),
            ["dsr.completed"] = ("handelde een AVG-verzoek af", "completed a data-subject request"),
            ["dsr.reminder"] = ("herinnerde aan de termijn van een AVG-verzoek", "reminded of a data-subject request's deadline"),
            ["dsr.receipt.read"] = ("haalde een bewijs van wissing op", "fetched an erasure receipt"),
            ["dsr.restricted"] = ("beperkte de verwerking: het gezinsdossier is alleen-lezen", "restricted processing: the family file is read-only"),
            ["dsr.restriction.lifted"] = ("hief de beperking van de verwerking op", "lifted the restriction of processing"),
            ["dsr.legal-hold.set"] = ("legde een wettelijke bewaarplicht vast", "recorded a legal retention duty"),
            ["dsr.legal-hold.lifted"] = ("hief een wettelijke bewaarplicht op", "lifted a legal retention duty"),
            ["dsr.erasure.started"] = ("begon het gezinsdossier te wissen", "began erasing the family file"),
            ["dsr.erasure.completed"] = ("wiste het gezinsdossier", "erased the family file"),
            ["dsr.rectified"] = ("corrigeerde accountgegevens", "corrected account data"),
            ["dsr.exported"] = ("maakte een export van het gezinsdossier", "exported the family file"),
            ["retention.documents.purged"] = ("verwijderde documenten na afloop van de bewaartermijn", "deleted documents whose retention ran out"),
            ["retention.messages.purged"] = ("verwijderde berichten na afloop van de bewaartermijn", "deleted messages whose retention ran out"),
            ["retention.audit.erased"] = ("wiste persoonsgegevens uit oude logboekregels (bewaartermijn)",
                "erased personal fields from old log entries (retention)"),
            ["retention.read"] = ("bekeek de bewaartermijnen van het gezin (privacytoezicht)", "viewed the family's retention (privacy oversight)"),
        };

    private static readonly Dictionary<string, (string Dutch, string English)> RoleNames =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            [Roles.Guardian] = ("ouder/verzorger", "parent/guardian"), [Roles.Child] = ("kind", "child"),
            [Roles.Krachtgezin] = ("krachtgezin", "support family"), [Roles.Wijkcoach] = ("wijkcoach", "neighbourhood coach"),
            [Roles.Gemeente] = ("gemeente", "municipality"), [Roles.Coordinator] = ("coördinator", "coordinator"),
            [Roles.Network] = ("netwerk", "network"), [Roles.PrivacyOfficer] = ("privacyfunctionaris", "privacy officer"),
            [Roles.Admin] = ("beheerder", "administrator"), ["system"] = ("Vault", "Vault"),
        };

    public static (string Dutch, string English) Describe(string action, bool allowed, string? name, string? role, string? resource,
        string? purpose, AccessNames names)
    {
        var (whoNl, whoEn) = Who(name, role);
        var (whatNl, whatEn) = What(resource, names);
        var (countNl, countEn) = Messages(resource);
        var (nl, en) = Actions.TryGetValue(action, out var words) ? words : ($"deed {action}", $"did {action}");
        if (action == "channels.read" && whatNl.Length == 0)
        {
            (nl, en) = ("bekeek de kanalen", "viewed the channels");
        }
        var dutch = $"{whoNl} {string.Format(CultureInfo.InvariantCulture, nl, whatNl, countNl, countEn)}";
        var english = $"{whoEn} {string.Format(CultureInfo.InvariantCulture, en, whatEn, countNl, countEn)}";
        if (!string.IsNullOrEmpty(purpose) && purpose is not ("family" or "own"))
        {
            dutch += $" — doel: {purpose}";
            english += $" — purpose: {purpose}";
        }
        return allowed ? (dutch, english) : (dutch + " — GEWEIGERD", english + " — REFUSED");
    }

    private static (string, string) Who(string? name, string? role)
    {
        if (role is null)
        {
            return ("Iemand (gegevens gewist)", "Someone (details erased)");
        }
        if (role == "system")
        {
            return ("Vault (automatisch)", "Vault (automatically)");
        }
        var (nl, en) = RoleNames.TryGetValue(role, out var r) ? r : (role, role);
        return name is null ? ($"Een {nl}", $"A {en}") : ($"{name} ({nl})", $"{name} ({en})");
    }

    /// <summary>The thing a resource names: a channel (by name when known), a document category, the member list, a member.</summary>
    private static (string, string) What(string? resource, AccessNames names)
    {
        if (string.IsNullOrEmpty(resource))
        {
            return ("", "");
        }
        var parts = resource.Split('/');
        var head = parts[0].StartsWith("grant:", StringComparison.Ordinal) && parts.Length > 1 ? parts[1] : parts[0];
        if (head.StartsWith(ConsentScopes.ChannelPrefix, StringComparison.Ordinal))
        {
            var label = names.Channels.TryGetValue(head, out var n) ? n : head[ConsentScopes.ChannelPrefix.Length..][..8];
            return ($"kanaal {label}", $"channel {label}");
        }
        if (head.StartsWith(ConsentScopes.DocumentsPrefix, StringComparison.Ordinal))
        {
            var category = head[ConsentScopes.DocumentsPrefix.Length..];
            return ($"documenten ({category})", $"documents ({category})");
        }
        if (head == ConsentScopes.Members)
        {
            return parts.Length > 1 && Guid.TryParse(parts[1], out var member)
                ? names.Members.TryGetValue(member, out var m) ? (m.Name, m.Name) : ("een lid", "a member")
                : ("de ledenlijst", "the member list");
        }
        return head == ConsentScopes.Progress ? ("de voortgang", "the progress") : ("", "");
    }

    /// <summary>"3 berichten" from a range "1-3" at the end of a message resource.</summary>
    private static (string, string) Messages(string? resource)
    {
        var last = resource?.Split('/')[^1] ?? "";
        var dash = last.Split('-');
        long count = dash.Length switch
        {
            1 when long.TryParse(dash[0], NumberStyles.None, CultureInfo.InvariantCulture, out _) => 1,
            2 when long.TryParse(dash[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                   && long.TryParse(dash[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) => b - a + 1,
            _ => 0,
        };
        return count switch
        {
            0 => ("geen nieuwe berichten", "no new messages"),
            1 => ("1 bericht", "1 message"),
            _ => ($"{count} berichten", $"{count} messages"),
        };
    }
}
