using Vault.Client;
using Vault.Crypto;

namespace Vault.Cli;

/// <summary>
/// The `vault` command. The passphrase is read from VAULT_PASSPHRASE or the first line of standard input,
/// never from an argument (arguments show up in process lists and shell history).
/// </summary>
public static class CliApp
{
    private const string Usage = """
        usage: vault <command> [options]
          invite accept --server URL --code CODE --username NAME [--device NAME]
          invite create --role ROLE [--hours N]
          login [--username NAME] [--server URL] [--totp CODE]
          login --server URL --username NAME [--device-name NAME] [--totp CODE]   (new machine: recovers keys, adds a device)
          devices list
          devices revoke DEVICE_ID
          fingerprint [--user USER_ID]
          family create --reference REF --gemeente GM0363 --start YYYY-MM-DD [--end YYYY-MM-DD]
          family list | family members --family ID | family join --code CODE
          family invite --family ID --role ROLE [--born YYYY-MM-DD]
          grant --family ID --user USER_ID --scope SCOPE --purpose TEXT [--permission read|write] [--until YYYY-MM-DD] [--subject CHILD_ID]
          grants --family ID | withdraw --family ID --grant GRANT_ID [--reason TEXT]
          channel create --family ID --name NAME --purpose TEXT [--members USER[:read|write],...] [--retention-days N]
          channel list --family ID
          channel add-member --family ID --channel ID --user USER_ID --purpose TEXT [--permission read|write] [--history]
          channel remove-member --family ID --channel ID --user USER_ID [--reason TEXT]
          channel archive --family ID --channel ID | channel retention --family ID --channel ID --days N|none
          send --family ID --channel ID [--text TEXT]        (text from stdin when --text is absent)
          edit --family ID --channel ID --message MESSAGE_ID [--text TEXT] | delete --family ID --channel ID --message MESSAGE_ID
          read --family ID --channel ID [--after SEQ] [--mark-read] | receipts --family ID --channel ID
          listen [--family ID] [--channel ID] [--count N]
          audit verify [--family ID]
        environment: VAULT_HOME (default ~/.vault), VAULT_PASSPHRASE (else read from stdin)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        Func<string, string?> env, HttpMessageHandler? handler = null)
    {
        var home = env("VAULT_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vault");
        var options = Options.Parse(args, out var words);
        try
        {
            var context = new Context(home, options, stdout, stdin, env, handler);
            return string.Join(' ', words) switch
            {
                "invite accept" => await context.AcceptInvitation(),
                "invite create" => await context.CreateInvitation(),
                "login" => await context.Login(),
                "devices list" => await context.ListDevices(),
                "fingerprint" => await context.Fingerprint(),
                "family create" => await context.FamilyCreate(),
                "family list" => await context.FamilyList(),
                "family invite" => await context.FamilyInvite(),
                "family join" => await context.FamilyJoin(),
                "family members" => await context.FamilyMembers(),
                "grant" => await context.Grant(),
                "grants" => await context.Grants(),
                "withdraw" => await context.Withdraw(),
                "channel create" => await context.ChannelCreate(),
                "channel list" => await context.ChannelList(),
                "channel add-member" => await context.ChannelAddMember(),
                "channel remove-member" => await context.ChannelRemoveMember(),
                "channel archive" => await context.ChannelArchive(),
                "channel retention" => await context.ChannelRetention(),
                "send" => await context.Send(),
                "edit" => await context.Edit(),
                "delete" => await context.Delete(),
                "read" => await context.Read(),
                "receipts" => await context.Receipts(),
                "listen" => await context.Listen(),
                "audit verify" => await context.AuditVerify(),
                _ when words.Count == 3 && words[0] == "devices" && words[1] == "revoke" => await context.Revoke(words[2]),
                _ => Fail(stderr, Usage, 2),
            };
        }
        catch (VaultApiException e)
        {
            return Fail(stderr, $"error: {e.Title ?? "request failed"} ({e.ProblemType ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)})", 1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or HttpRequestException
                                      or System.Security.Cryptography.CryptographicException or FormatException)
        {
            return Fail(stderr, "error: " + e.Message, 1);
        }
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine(message);
        return code;
    }
}
