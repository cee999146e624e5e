using System.Runtime.InteropServices;

namespace Vault.Server.Infrastructure;

/// <summary>
/// The data directory (database, blobs, keys) belongs to the server's user alone. The process's umask becomes 077
/// before anything is created, so every file the server, SQLite (-wal, -shm) or ASP.NET Core writes later is 0600 and
/// every directory 0700; what an older version left behind is tightened at start.
/// </summary>
public static class DataDirectory
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    public static void Secure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        _ = umask(0x3F); // 077
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, PrivateDirectory);
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.LinkTarget is null)
            {
                entry.UnixFileMode = entry is DirectoryInfo ? PrivateDirectory : Private;
            }
        }
    }

    // DllImport, not LibraryImport: the generator would need unsafe code in the whole project for one blittable call.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint umask(uint mask);
#pragma warning restore SYSLIB1054
}
