namespace Vault.Crypto;

/// <summary>
/// The canonical bytes a guardian's device signs to grant consent. Everything that decides access is inside:
/// grant id (so a signature is never reusable for another grant), family, grantee, subject, scope, permission,
/// purpose, legal basis and validity.
/// </summary>
public static class ConsentGrant
{
    public static byte[] Statement(Guid grantId, Guid familyId, Guid granteeUserId, Guid? subjectUserId, string scope,
        string permission, string purpose, string legalBasis, long validFromUnixMs, long validUntilUnixMs) =>
        new Canonical("vault.consent.v1")
            .Id(grantId).Id(familyId).Id(granteeUserId).Id(subjectUserId)
            .Text(scope).Text(permission).Text(purpose).Text(legalBasis)
            .I64(validFromUnixMs).I64(validUntilUnixMs)
            .ToArray();
}
