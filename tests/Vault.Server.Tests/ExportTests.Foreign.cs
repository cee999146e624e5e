using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Export;
using Vault.Server.Audit;

namespace Vault.Server.Tests;

/// <summary>The SDK's own check that every record is of the exported family, even when the summary is validly signed.</summary>
public sealed partial class ExportTests
{
    [Fact]
    public async Task ExportFamily_SignedPackageWithARecordOfAnotherFamily_NotVerified()
    {
        var receipts = f.Server.Services.GetRequiredService<Receipts>();
        using var http = new HttpClient(new ForeignChannel(f.FamilyId, f.OtherFamilyId, receipts) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = f.Server.ClientOptions.BaseAddress,
        };
        var client = new VaultClient(http);
        var code = (await f.Moeder.InviteToFamilyAsync(f.FamilyId, Roles.Guardian)).Code;
        var registered = await client.AcceptInvitationAsync(code, "tante", Cast.Passphrase, "tablet");
        await client.LoginAsync("tante", Cast.Passphrase, registered.DeviceId, client.Session!.Device);

        var result = await client.ExportFamilyAsync(f.FamilyId, output);

        Assert.False(result.Verified);
        Assert.Contains("another family", result.VerificationFailure, StringComparison.Ordinal);
    }

    /// <summary>A server gone wrong: one channel record names another family, and the summary is signed again to match.</summary>
    private sealed class ForeignChannel(Guid familyId, Guid other, Receipts receipts) : DelegatingHandler
    {
        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.RequestUri?.AbsolutePath != $"/families/{familyId}/export")
            {
                return response;
            }
            var lines = (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            var channel = lines.FindIndex(l => l.StartsWith("{\"part\":\"channels\"", StringComparison.Ordinal));
            var node = JsonNode.Parse(lines[channel])!;
            node["data"]!["familyId"] = other.ToString();
            lines[channel] = node.ToJsonString();
            var summary = JsonSerializer.Deserialize<ExportSummary>(
                JsonSerializer.Deserialize<ExportLine<SignedReceipt>>(lines[^1], Json)!.Data.Receipt, Json)!;
            var parts = summary.Parts.Select(p =>
            {
                var mine = lines.SkipLast(1).Where(l => JsonNode.Parse(l)!["part"]!.GetValue<string>() == p.Part).Select(l => l + "\n").ToList();
                return p with { Count = mine.Count, Sha256 = SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(mine))) };
            }).ToList();
            lines[^1] = JsonSerializer.Serialize(new ExportLine<SignedReceipt>(ExportParts.Summary, receipts.Sign(summary with { Parts = parts })), Json);
            var body = new StringContent(string.Concat(lines.Select(l => l + "\n")), Encoding.UTF8, ExportParts.ContentType);
            response.Content.Dispose();
            response.Content = body;
            return response;
        }
    }
}
