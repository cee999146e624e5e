using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Sodium;
using Vault.Contracts.Consent;
using Vault.Contracts.Export;

namespace Vault.Client;

/// <summary>
/// Checks that an export package is complete and from the server (security/export.md): parts arrive in the documented
/// order, and the last line is a summary signed by the pinned audit key whose count and SHA-256 for every part equal
/// what was received, byte for byte. Fed one line at a time, so it never holds the package.
/// </summary>
public sealed class ExportVerifier(byte[] auditKey, Guid familyId, Guid requesterUserId)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<ExportPartSummary> received = [];
    private int partIndex = -1;
    private long count;
    private bool finished;

    /// <summary>The first thing that did not check out; null while everything did.</summary>
    public string? Failure { get; private set; }

    /// <summary>Counts and hashes of the parts received so far (complete once the summary came).</summary>
    public IReadOnlyList<ExportPartSummary> Received => received;

    /// <summary>
    /// Checks a stored package (e.g. an archive's package.ndjson) line by line: null when it is complete and signed,
    /// otherwise what failed first.
    /// </summary>
    public static async Task<string?> CheckAsync(Stream package, byte[] auditKey, Guid familyId, Guid requesterUserId,
        CancellationToken ct = default)
    {
        var verifier = new ExportVerifier(auditKey, familyId, requesterUserId);
        await foreach (var line in ExportLines.ReadAsync(package, ct))
        {
            verifier.Accept(line.Span);
        }
        verifier.End();
        return verifier.Failure;
    }

    /// <summary>Any line of the package: a part's line, or the summary. Returns the line's part and record, or null.</summary>
    public ExportLine<JsonElement>? Accept(ReadOnlySpan<byte> line)
    {
        ExportLine<JsonElement>? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<ExportLine<JsonElement>>(line, Json);
        }
        catch (JsonException)
        {
            parsed = null;
        }
        if (parsed?.Part is not { } part)
        {
            Fail("a line is not a record of the package");
            return null;
        }
        if (part == ExportParts.Summary)
        {
            SignedReceipt? receipt;
            try
            {
                receipt = parsed.Data.Deserialize<SignedReceipt>(Json);
            }
            catch (JsonException)
            {
                receipt = null;
            }
            Finish(receipt);
            return null;
        }
        Add(part, line);
        return parsed;
    }

    /// <summary>One line of a part (its exact bytes, '\n' included).</summary>
    public void Add(string part, ReadOnlySpan<byte> line)
    {
        if (Failure is not null)
        {
            return;
        }
        if (finished)
        {
            Fail("lines follow the summary");
            return;
        }
        if (line.Length == 0 || line[^1] != (byte)'\n')
        {
            Fail($"a line of part {part} is cut off (the package ends in the middle of it)");
            return;
        }
        var index = IndexOf(part);
        if (index < 0 || index < partIndex)
        {
            Fail(index < 0 ? $"unknown part \"{part}\"" : $"part {part} comes after a later part");
            return;
        }
        AdvanceTo(index);
        hash.AppendData(line);
        count++;
    }

    /// <summary>The summary line: checks its signature with the audit key, then every part's count and hash.</summary>
    public ExportSummary? Finish(SignedReceipt? receipt)
    {
        if (finished)
        {
            Fail("the package has more than one summary");
            return null;
        }
        AdvanceTo(ExportParts.Order.Count);
        finished = true;
        if (Failure is not null)
        {
            return null;
        }
        if (receipt?.Receipt is null || receipt.Signature is not { Length: 64 }
            || !PublicKeyAuth.VerifyDetached(receipt.Signature, [.. "vault.receipt.v1"u8, .. receipt.Receipt], auditKey))
        {
            Fail("the summary is not signed by the server's audit key");
            return null;
        }
        var summary = JsonSerializer.Deserialize<ExportSummary>(receipt.Receipt, Json);
        if (summary is null || summary.Type != ExportParts.SummaryType || summary.FamilyId != familyId
            || summary.RequesterUserId != requesterUserId)
        {
            Fail("the summary is for another family, another requester or another format");
            return null;
        }
        foreach (var expected in received)
        {
            var stated = summary.Parts.FirstOrDefault(p => p.Part == expected.Part);
            if (stated is null || stated.Count != expected.Count)
            {
                Fail($"part {expected.Part}: {expected.Count} lines received, the summary states {stated?.Count.ToString() ?? "none"}");
                return null;
            }
            if (!CryptographicOperations.FixedTimeEquals(stated.Sha256, expected.Sha256))
            {
                Fail($"part {expected.Part}: its lines differ from what the server signed (SHA-256 mismatch)");
                return null;
            }
        }
        return summary;
    }

    /// <summary>The package ended: without a summary it is incomplete.</summary>
    public void End()
    {
        if (!finished)
        {
            Fail("the package ends without its summary: it is incomplete");
        }
    }

    private void AdvanceTo(int index)
    {
        // Parts skipped over are empty: they are in the summary with count 0 and the hash of nothing.
        while (partIndex < index)
        {
            if (partIndex >= 0)
            {
                received.Add(new ExportPartSummary(ExportParts.Order[partIndex], count, hash.GetHashAndReset()));
            }
            partIndex++;
            count = 0;
        }
    }

    /// <summary>Records a failure found outside the hashes (e.g. a record of another family): the first one counts.</summary>
    public void Fail(string reason) => Failure ??= reason;

    private static int IndexOf(string part)
    {
        for (var i = 0; i < ExportParts.Order.Count; i++)
        {
            if (ExportParts.Order[i] == part)
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>Reads NDJSON as exact line bytes ('\n' included; a last line without one as it is), one buffer reused.</summary>
internal static class ExportLines
{
    public const int MaxLineBytes = 4 * 1024 * 1024;

    /// <summary>Each line is valid until the next is requested.</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0, searched = 0;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', searched, end - searched);
            if (newline >= 0)
            {
                yield return buffer.AsMemory(start, newline + 1 - start);
                start = searched = newline + 1;
                continue;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            searched = end;
            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxLineBytes)
                {
                    throw new InvalidDataException($"A line of the package is longer than {MaxLineBytes} bytes.");
                }
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxLineBytes));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(end), ct);
            if (read == 0)
            {
                if (end > start)
                {
                    yield return buffer.AsMemory(start, end - start);
                }
                yield break;
            }
            end += read;
        }
    }
}
