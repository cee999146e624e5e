using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace Vault.Benchmarks.Documents;

/// <summary>
/// The driver's handle on a <see cref="DocumentClient"/> process: this program again with `documents-client`, under
/// workstation GC (what a console or desktop app that uses the SDK runs by default; this program itself runs server GC).
/// One command at a time; the process ends when its input closes.
/// </summary>
public sealed class ClientProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process process;
    private readonly Channel<string> replies = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ClientProcess(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment)
    {
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start the client process");
        _ = ReadAsync(process.StandardOutput);
        _ = ReadAsync(process.StandardError);
        _ = process.WaitForExitAsync().ContinueWith(_ =>
        {
            var exited = new InvalidOperationException($"the client process exited (code {process.ExitCode})");
            ready.TrySetException(exited);
            replies.Writer.TryComplete(exited);
        }, TaskScheduler.Default);
    }

    public int Pid => process.Id;

    /// <summary>This program, or its build in <paramref name="directory"/> (--baseline), as a client of <paramref name="server"/>.</summary>
    public static async Task<ClientProcess> StartAsync(Uri server, Guid familyId, string invitation, string username,
        IReadOnlyDictionary<string, string> environment, string? directory, CancellationToken ct)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = directory is not null
            ? new ProcessStartInfo(Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
            {
                ArgumentList = { Path.Combine(directory, Path.GetFileName(typeof(ClientProcess).Assembly.Location)) },
            }
            : Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? new ProcessStartInfo(self) { ArgumentList = { typeof(ClientProcess).Assembly.Location } }
                : new ProcessStartInfo(self);
        foreach (var arg in new[] { "documents-client", server.ToString(), familyId.ToString(), invitation, username })
        {
            start.ArgumentList.Add(arg);
        }
        var client = new ClientProcess(start, environment);
        try
        {
            await client.ready.Task.WaitAsync(TimeSpan.FromMinutes(2), ct); // registration and login
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return client;
    }

    public Task<TransferResult> UploadAsync(long bytes, int seed, CancellationToken ct) =>
        TransferAsync(string.Create(CultureInfo.InvariantCulture, $"upload {bytes} {seed}"), ct);

    public Task<TransferResult> DownloadAsync(Guid documentId, int version, long bytes, int seed, CancellationToken ct) =>
        TransferAsync(string.Create(CultureInfo.InvariantCulture, $"download {documentId} {version} {bytes} {seed}"), ct);

    /// <summary>A warm-up pass (see <see cref="DocumentClient"/>); the number of round trips it made.</summary>
    public async Task<int> WarmUpAsync(CancellationToken ct) =>
        int.Parse(await AskAsync("warmup", "warm ", ct), CultureInfo.InvariantCulture);

    private async Task<TransferResult> TransferAsync(string command, CancellationToken ct) =>
        JsonSerializer.Deserialize<TransferResult>(await AskAsync(command, "result ", ct), Json)!;

    private async Task<string> AskAsync(string command, string answer, CancellationToken ct)
    {
        await process.StandardInput.WriteLineAsync(command.AsMemory(), ct);
        await process.StandardInput.FlushAsync(ct);
        var reply = await replies.Reader.ReadAsync(ct);
        return reply.StartsWith(answer, StringComparison.Ordinal) ? reply[answer.Length..]
            : throw new InvalidOperationException("the client process: " + reply);
    }

    private async Task ReadAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == DocumentClient.Prefix + "ready")
            {
                ready.TrySetResult();
            }
            else if (line.StartsWith(DocumentClient.Prefix, StringComparison.Ordinal))
            {
                await replies.Writer.WriteAsync(line[DocumentClient.Prefix.Length..]);
            }
            else
            {
                await Console.Error.WriteLineAsync("[client] " + line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            try
            {
                process.StandardInput.Close();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }
}
