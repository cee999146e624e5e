using System.Globalization;
using Vault.Contracts.Privacy;

namespace Vault.Client;

/// <summary>A query of the privacy officer over the audit log's metadata; every field optional.</summary>
public sealed record PrivacyAuditQuery(Guid? Family = null, Guid? Actor = null, string? Action = null, DateTimeOffset? From = null,
    DateTimeOffset? To = null)
{
    internal string QueryString(string format)
    {
        var parts = new List<string> { "format=" + format };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }
        Add("family", Family?.ToString());
        Add("actor", Actor?.ToString());
        Add("action", Action);
        Add("from", From?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        Add("to", To?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }
}

public sealed partial class VaultClient
{
    /// <summary>Privacy officer: one page of matching audit entries (metadata); pass the page's NextAfter for the next.</summary>
    public Task<PrivacyAuditPage> PrivacyAuditPageAsync(PrivacyAuditQuery query, long after = -1, int limit = 100, CancellationToken ct = default) =>
        ApiAsync<PrivacyAuditPage>(HttpMethod.Get,
            $"/privacy/audit?{query.QueryString("json")}&after={after.ToString(CultureInfo.InvariantCulture)}&limit={limit.ToString(CultureInfo.InvariantCulture)}",
            null, ct);

    /// <summary>Privacy officer: every matching entry, page by page.</summary>
    public async IAsyncEnumerable<PrivacyAuditEntry> PrivacyAuditAsync(PrivacyAuditQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        long? after = -1;
        while (after is { } from)
        {
            var page = await PrivacyAuditPageAsync(query, from, 500, ct);
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }
            after = page.NextAfter;
        }
    }

    /// <summary>Privacy officer: every matching entry as CSV (a header row, RFC 4180), streamed into <paramref name="destination"/>.</summary>
    public async Task PrivacyAuditCsvAsync(PrivacyAuditQuery query, Stream destination, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/privacy/audit?{query.QueryString("csv")}");
        using var response = await ApiResponseAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(destination, ct);
    }

    public Task<List<PrivacyFamilySummary>> PrivacyFamiliesAsync(CancellationToken ct = default) =>
        ApiAsync<List<PrivacyFamilySummary>>(HttpMethod.Get, "/privacy/families", null, ct);

    public Task<PrivacyFamilyDetail> PrivacyFamilyAsync(Guid familyId, CancellationToken ct = default) =>
        ApiAsync<PrivacyFamilyDetail>(HttpMethod.Get, $"/privacy/families/{familyId}", null, ct);

    /// <summary>Privacy officer: unusual access in a period (the server's default: the last 30 days).</summary>
    public Task<UnusualAccessReport> UnusualAccessReportAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken ct = default)
    {
        var query = string.Join('&', new[] { ("from", from), ("to", to) }.Where(p => p.Item2 is not null)
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!.Value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture))}"));
        return ApiAsync<UnusualAccessReport>(HttpMethod.Get, "/privacy/reports/unusual" + (query.Length > 0 ? "?" + query : ""), null, ct);
    }
}
