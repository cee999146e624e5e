using System.Text.Json;

namespace Vault.Cli;

/// <summary>
/// What the CLI remembers between commands, in $VAULT_HOME/profile.json (default ~/.vault), mode 0600:
/// server, account, device id and keys, identity public keys, tokens. Never the passphrase.
/// </summary>
internal sealed record Profile(
    string Server, string Username, Guid UserId, Guid DeviceId, byte[] DeviceSigningSeed, byte[] DeviceBoxSecret,
    byte[] IdentitySigningPublicKey, byte[] IdentityBoxPublicKey, string? AccessToken, string? RefreshToken)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathIn(string home) => System.IO.Path.Combine(home, "profile.json");

    public static Profile? Load(string home) =>
        File.Exists(PathIn(home)) ? JsonSerializer.Deserialize<Profile>(File.ReadAllText(PathIn(home)), Json) : null;

    public void Save(string home)
    {
        Directory.CreateDirectory(home);
        var path = PathIn(home);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        JsonSerializer.Serialize(stream, this, Json);
    }
}
