using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Vault.Client;
using System.Reflection;
using Vault.Contracts.Messaging;
using Vault.Server.Messaging;

namespace Vault.Server.Tests;

/// <summary>
/// The hub gets malformed frames over a raw WebSocket (bad handshakes, broken JSON, unknown targets and message types,
/// wrong argument counts and types, oversized and invalid UTF-8 frames): each is refused with an error completion or
/// a closed connection, never a server error, and afterwards the server still delivers real messages.
/// </summary>
public sealed partial class EveryEndpointBadInputTests
{
    private const char Separator = '\u001e';

    public static TheoryData<string> HubFrames => new(HubCorpus().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(HubFrames))]
    public async Task Hub_MalformedFrame_RefusedOrClosedWithoutServerError(string name)
    {
        var (_, handshake, frames) = HubCorpus().Single(c => c.Name == name);
        var errorsBefore = f.Server.Logs.Count(IsErrorLog);
        using var socket = await ConnectAsync(f.Guardian.Session!.AccessToken!);
        if (handshake)
        {
            await SendTextAsync(socket, "{\"protocol\":\"json\",\"version\":1}" + Separator);
            Assert.Equal(["{}"], await ReceiveAsync(socket));
        }
        foreach (var frame in frames)
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        // A probe the server must answer if the connection survived: an invocation of a method that does not exist.
        if (socket.State == WebSocketState.Open)
        {
            await SendTextAsync(socket, "{\"type\":1,\"invocationId\":\"probe\",\"target\":\"NoSuchMethod\",\"arguments\":[]}" + Separator);
        }
        var answers = new List<string>();
        while (socket.State == WebSocketState.Open && !answers.Any(IsProbeAnswer))
        {
            answers.AddRange(await ReceiveAsync(socket));
        }
        foreach (var answer in answers)
        {
            // SignalR itself names HubException in every refused invocation ("… on the server. HubException: …").
            Assert.DoesNotMatch(LeakPattern(), answer.Replace("HubException: ", "", StringComparison.Ordinal));
        }
        Assert.True(socket.State != WebSocketState.Open || answers.Any(IsProbeAnswer), "neither refused nor closed");

        // The server is unharmed: live, nothing logged as an error, and a real message still goes through.
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/health/live")).StatusCode);
        Assert.Empty(f.Server.Logs.Where(IsErrorLog).Skip(errorsBefore));
        var sent = await f.Guardian.SendAsync(f.FamilyId, f.ChannelId, "nog steeds bereikbaar");
        Assert.True(sent.Seq > 0);
    }

    [Fact]
    public async Task Hub_NoToken_Refused()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(token: null));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    private static bool IsProbeAnswer(string message) =>
        message.Contains("\"invocationId\":\"probe\"", StringComparison.Ordinal) || message.Contains("\"type\":7", StringComparison.Ordinal);

    private static IEnumerable<(string Name, bool Handshake, byte[][] Frames)> HubCorpus()
    {
        static byte[] Text(string s) => Encoding.UTF8.GetBytes(s + Separator);
        static byte[] Invoke(string target, string arguments, int type = 1) =>
            Text($"{{\"type\":{type},\"invocationId\":\"1\",\"target\":\"{target}\",\"arguments\":{arguments}}}");
        var ids = $"\"{Guid.NewGuid()}\",\"{Guid.NewGuid()}\"";
        yield return ("handshake with an unknown protocol", false, [Text("{\"protocol\":\"nope\",\"version\":1}")]);
        yield return ("handshake that is not JSON", false, [Text("{not json")]);
        yield return ("invocation without handshake", false, [Invoke("Send", "[]")]);
        yield return ("frame that is not JSON", true, [Text("{not json")]);
        yield return ("frame that is a JSON array", true, [Text("[1,2,3]")]);
        // Not here: an unknown message type ({"type":99}), which SignalR skips by design ("old clients can ignore them").
        // Every method the hub offers (a new one joins by itself): no, null, wrongly typed and too many arguments.
        foreach (var method in typeof(VaultHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                     .Where(m => !m.IsSpecialName && m.Name is not (nameof(VaultHub.OnConnectedAsync) or nameof(VaultHub.OnDisconnectedAsync))))
        {
            var arity = method.GetParameters().Length;
            yield return ($"{method.Name} without arguments", true, [Invoke(method.Name, "[]")]);
            yield return ($"{method.Name} with null arguments", true, [Invoke(method.Name, "[" + string.Join(",", Enumerable.Repeat("null", arity)) + "]")]);
            yield return ($"{method.Name} with wrongly typed arguments", true, [Invoke(method.Name, "[" + string.Join(",", Enumerable.Repeat("{\"x\":[1]}", arity)) + "]")]);
            yield return ($"{method.Name} with one argument too many", true, [Invoke(method.Name, "[" + string.Join(",", Enumerable.Repeat("\"x\"", arity + 1)) + "]")]);
        }
        yield return ("message type as a string", true, [Text("{\"type\":\"one\"}")]);
        yield return ("unknown target", true, [Invoke("Nope", "[]")]);
        yield return ("target with NUL", true, [Invoke("Se\\u0000nd", "[]")]);
        yield return ("Send with arguments of mixed wrong types", true, [Invoke("Send", "[\"x\",{},[]]")]);
        yield return ("Send with a malformed request", true, [Invoke("Send",
            $"[{ids},{{\"clientMessageId\":\"zz\",\"epoch\":\"x\",\"kind\":{{}},\"envelope\":\"!!\"}}]")]);
        yield return ("Send with huge numbers", true, [Invoke("Send",
            $"[{ids},{{\"clientMessageId\":\"{Guid.NewGuid()}\",\"epoch\":1e400,\"kind\":\"message\",\"envelope\":\"AAAA\"}}]")]);
        yield return ("Send with arguments nested 10,000 deep", true, [Invoke("Send", new string('[', 10_000) + new string(']', 10_000))]);
        yield return ("Send as a stream invocation", true, [Invoke("Send", $"[{ids},{{}}]", type: 4)]);
        yield return ("cancel of an unknown invocation", true, [Text("{\"type\":5,\"invocationId\":\"nope\"}")]);
        yield return ("completion from the client", true, [Text("{\"type\":3,\"invocationId\":\"nope\",\"result\":1}")]);
        yield return ("frame larger than the limit", true, [Invoke("Send", $"[\"{new string('a', 1024 * 1024)}\"]")]);
        yield return ("frame with invalid UTF-8", true, [[.. Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\""), 0xFF, 0xFE, .. Text("\"}")]]);
    }

    private async Task<ClientWebSocket> ConnectAsync(string? token)
    {
        var socket = new ClientWebSocket();
        var address = new UriBuilder(f.Http.BaseAddress!) { Scheme = "ws", Path = HubPaths.Hub };
        if (token is not null)
        {
            address.Query = "access_token=" + Uri.EscapeDataString(token);
        }
        await socket.ConnectAsync(address.Uri, CancellationToken.None);
        return socket;
    }

    private static Task SendTextAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>The next WebSocket message split into SignalR frames; none when the server closed.</summary>
    private static async Task<List<string>> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // a failure bound, not a wait
            try
            {
                result = await socket.ReceiveAsync(buffer, bound.Token);
            }
            catch (WebSocketException)
            {
                return []; // the server dropped the connection: a refusal
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The hub neither answered nor closed the connection.");
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return [];
            }
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(message.ToArray()).Split(Separator, StringSplitOptions.RemoveEmptyEntries)
            .Where(frame => JsonNode.Parse(frame)?["type"]?.GetValue<int>() != 6).ToList(); // pings say nothing
    }
}
