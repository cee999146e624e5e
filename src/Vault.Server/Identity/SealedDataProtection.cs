using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Vault.Server.Infrastructure;

namespace Vault.Server.Identity;

/// <summary>
/// Data-protection keys (they protect the TOTP secrets and the browser-login cookie) sealed under the key-encryption
/// key, the way ASP.NET Core seals them with a certificate or DPAPI: each secret element is replaced by an
/// encryptedSecret naming <see cref="SealedXmlDecryptor"/>. Keys written before a key-encryption key was configured
/// are sealed in place at start.
/// </summary>
internal static class SealedDataProtection
{
    public const string Label = "data-protection";
    private static readonly XNamespace Ns = "http://schemas.asp.net/2015/03/dataProtection";

    public static void SealExisting(string directory, KeyEncryptionKey kek)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        var encryptor = new SealedXmlEncryptor(kek);
        foreach (var file in Directory.EnumerateFiles(directory, "*.xml"))
        {
            var document = XDocument.Load(file);
            var plain = document.Descendants().Where(e => (bool?)e.Attribute(Ns + "requiresEncryption") == true
                && !e.Ancestors(Ns + "encryptedSecret").Any()).ToList();
            if (plain.Count == 0)
            {
                continue;
            }
            foreach (var element in plain)
            {
                var sealedInfo = encryptor.Encrypt(new XElement(element));
                element.ReplaceWith(new XElement(Ns + "encryptedSecret",
                    new XAttribute("decryptorType", sealedInfo.DecryptorType.AssemblyQualifiedName!), sealedInfo.EncryptedElement));
            }
            var temp = file + ".tmp";
            document.Save(temp);
            File.Move(temp, file, overwrite: true);
        }
    }
}

internal sealed class SealedXmlEncryptor(KeyEncryptionKey kek) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = kek.Seal(plaintext, SealedDataProtection.Label);
        return new EncryptedXmlInfo(new XElement("vaultSealed", Convert.ToBase64String(sealedBytes)), typeof(SealedXmlDecryptor));
    }
}

/// <summary>Made by the data-protection system itself, with the service provider, when it reads a sealed key.</summary>
internal sealed class SealedXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var kek = services.GetService<KeyEncryptionKey>() ?? throw new InvalidOperationException(
            "The data-protection keys are sealed under a key-encryption key, and none is configured: set Vault:KeyEncryptionKeyFile.");
        var plaintext = kek.Open(Convert.FromBase64String(encryptedElement.Value), SealedDataProtection.Label);
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
