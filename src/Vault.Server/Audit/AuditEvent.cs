using Vault.Server.Infrastructure;

namespace Vault.Server.Audit;

/// <summary>
/// One thing to append to the audit log: who (actor), on whose data (family), what (action, resource), why
/// (purpose, from the grant), and whether it was allowed. The fields NEN 7513 asks for; time is stamped on append.
/// </summary>
public sealed record AuditEvent(Actor Actor, string Action, bool Allowed, Guid? FamilyId, string Resource, string Purpose = "")
{
    public static AuditEvent For(Actor actor, string action, Guid? familyId, string resource, string purpose = "") =>
        new(actor, action, true, familyId, resource, purpose);

    public AuditEvent Denied() => this with { Allowed = false };
}

/// <summary>Audit action names: stable strings, grouped by what they touch.</summary>
public static class AuditActions
{
    public const string LoginSucceeded = "login.succeeded", LoginFailed = "login.failed";
    public const string FamilyCreated = "family.created", FamilyRead = "family.read", TrajectUpdated = "traject.updated";
    public const string FamiliesListed = "families.listed";
    public const string ProgressRead = "progress.read";
    public const string MemberInvited = "member.invited", MemberJoined = "member.joined", MemberRemoved = "member.removed";
    public const string MembersRead = "members.read";
    public const string GrantCreated = "grant.created", GrantSigned = "grant.signed", GrantWithdrawn = "grant.withdrawn";
    public const string GrantLapsed = "grant.lapsed";
    public const string GrantsRead = "grants.read", AccessRead = "access.read";
    public const string KeyRingRead = "keyring.read", KeyRingRotated = "keyring.rotated", KeysWrapped = "keyring.wrapped";
    public const string RecipientsRead = "keyring.recipients.read";
    public const string KeysSelfWrapped = "keyring.self-wrapped"; // a reader re-wrapped a key it holds for its own new device
    public const string ChannelCreated = "channel.created", ChannelsRead = "channels.read", ChannelUpdated = "channel.updated";
    public const string MessageSent = "message.sent", MessageDelivered = "message.delivered", MessagesExpired = "messages.expired";
    public const string HistoryRead = "message.history.read", MessageRead = "message.read";
    public const string ReceiptsRead = "message.receipts.read";
    public const string AuditRead = "audit.read", AuditFieldsErased = "audit.fields.erased";
    public const string DeviceRegistered = "device.registered", DeviceRevoked = "device.revoked";
    public const string PassphraseChanged = "account.passphrase.changed";
    public const string DocumentUploadStarted = "document.upload.started", DocumentUploadWritten = "document.upload.written";
    public const string DocumentUploadExpired = "document.upload.expired", DocumentVersionCreated = "document.version.created";
    public const string DocumentsListed = "documents.listed", DocumentVersionsRead = "document.versions.read";
    public const string DocumentVersionRead = "document.version.read", DocumentContentRead = "document.content.read";
    public const string RestrictedWriteRefused = "restriction.write.refused";
    public const string RequestReceived = "dsr.received", RequestsRead = "dsr.read", RequestStarted = "dsr.started";
    public const string RequestExtended = "dsr.extended", RequestRefused = "dsr.refused", RequestCompleted = "dsr.completed";
    public const string RequestReminder = "dsr.reminder", ReceiptRead = "dsr.receipt.read";
    public const string FamilyRestricted = "dsr.restricted", RestrictionLifted = "dsr.restriction.lifted";
    public const string LegalHoldSet = "dsr.legal-hold.set", LegalHoldLifted = "dsr.legal-hold.lifted";
    public const string ErasureStarted = "dsr.erasure.started", ErasureCompleted = "dsr.erasure.completed";
    public const string AccountRectified = "dsr.rectified";
    public const string PrivacyAuditQueried = "privacy.audit.queried", PrivacyFamiliesListed = "privacy.families.listed";
    public const string PrivacyFamilyRead = "privacy.family.read", PrivacyReportRead = "privacy.report.read";
    public const string DocumentDeleted = "document.deleted", DocumentRestored = "document.restored", DocumentPurged = "document.purged";
    public const string DsrExported = "dsr.exported"; // a guardian's export of the family's data (AVG art. 15 and 20)
    // Retention rounds: one entry per family and part, its resource "retention/{clock}/{part}/{count}" (see Retention/RetentionAudit).
    public const string RetentionDocumentsPurged = "retention.documents.purged", RetentionMessagesPurged = "retention.messages.purged";
    public const string RetentionAuditErased = "retention.audit.erased", RetentionRead = "retention.read";
}
