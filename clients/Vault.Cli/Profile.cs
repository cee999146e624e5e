using System.Text.Json;
using Vault.Client;
using Vault.Contracts.Audit;

namespace Vault.Cli;

/// <summary>
/// What the CLI remembers between commands, in $VAULT_HOME/profile.json (default ~/.vault; a named profile in
/// $VAULT_HOME/profiles/NAME, see <see cref="Profiles"/>), mode 0600:
/// server, account, device id and keys, identity public keys, tokens, the pinned audit key and last tree head.
/// Never the passphrase.
/// </summary>
internal sealed record Profile(
    string Server, string Username, Guid UserId, Guid DeviceId, byte[] DeviceSigningSeed, byte[] DeviceBoxSecret,
    byte[] IdentitySigningPublicKey, byte[] IdentityBoxPublicKey, string? AccessToken, string? RefreshToken)
{
    /// <summary>The server's audit key as first seen, and the newest tree head verified: the next verify must extend it.</summary>
    public byte[]? AuditKey { get; init; }
    public SignedTreeHeadDto? LastTreeHead { get; init; }

    /// <summary>Per channel, the last message shown, so `vault listen` resumes where it stopped.</summary>
    public Dictionary<Guid, long> Cursors { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A device's session as the profile keeps it: its keys and the tokens it holds now.</summary>
    public static Profile Of(string server, DeviceSession s) =>
        new(server, s.Username, s.UserId, s.DeviceId, s.Device.SigningSeed, s.Device.BoxSecret, s.IdentitySigningPublicKey,
            s.IdentityBoxPublicKey, s.AccessToken, s.RefreshToken);

    public static string PathIn(string home) => System.IO.Path.Combine(home, "profile.json");

    public static Profile? Load(string home) =>
        File.Exists(PathIn(home)) ? JsonSerializer.Deserialize<Profile>(File.ReadAllText(PathIn(home)), Json) : null;

    public void Save(string home) => Write(home, FileMode.Create);

    /// <summary>Saves a new profile; never replaces one (its device keys would be lost for good).</summary>
    public void SaveNew(string home) => Write(home, FileMode.CreateNew);

    private void Write(string home, FileMode mode)
    {
        Profiles.CreatePrivateDirectory(home);
        using var stream = CreatePrivateFile(PathIn(home), mode);
        JsonSerializer.Serialize(stream, this, Json);
    }

    /// <summary>A file only its owner can read (0600 when created): profiles and saved receipts.</summary>
    public static FileStream CreatePrivateFile(string path, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new FileStream(path, options);
    }
}
