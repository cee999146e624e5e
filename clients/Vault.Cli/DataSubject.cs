using System.Text.Json;
using Vault.Contracts.DataSubject;

namespace Vault.Cli;

/// <summary>`vault dsr ...`: data-subject requests, filed by the family and worked through by the privacy officer.</summary>
internal sealed partial class Context
{
    public async Task<int> DsrRequest(Guid familyId, string kind, string? details, bool json)
    {
        var (_, client) = await SignedIn();
        var filed = await client.FileRequestAsync(familyId, kind, details);
        return PrintRequests([filed], json, $"Request {filed.Id} ({filed.Kind}) received; it is due {filed.DueAt:yyyy-MM-dd}. " +
            "Follow it with `vault dsr list --family ID`.");
    }

    public async Task<int> DsrList(Guid familyId, bool json)
    {
        var (_, client) = await SignedIn();
        return PrintRequests(await client.FamilyRequestsAsync(familyId), json, null);
    }

    public async Task<int> DsrQueue(bool all, bool json)
    {
        var (_, client) = await SignedIn();
        return PrintRequests(await client.RequestQueueAsync(all), json, null);
    }

    public async Task<int> DsrStatus(Guid requestId, bool json)
    {
        var (_, client) = await SignedIn();
        return PrintRequests([await client.RequestAsync(requestId)], json, null);
    }

    /// <summary>One step of the officer's on a request: start, extend, refuse, complete, restrict, rectify.</summary>
    public async Task<int> DsrStep(string step, Guid requestId, string? reason, Guid? user, string? email, bool json)
    {
        var (_, client) = await SignedIn();
        var done = step switch
        {
            "start" => await client.StartRequestAsync(requestId),
            "extend" => await client.ExtendRequestAsync(requestId, reason ?? ""),
            "refuse" => await client.RefuseRequestAsync(requestId, reason ?? ""),
            "complete" => await client.CompleteRequestAsync(requestId, reason ?? ""),
            "restrict" => await client.RestrictAsync(requestId),
            "rectify" => await client.RectifyAsync(requestId, user ?? Guid.Empty, email ?? ""),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
        return PrintRequests([done], json, null);
    }

    public async Task<int> DsrLift(Guid familyId, string reason)
    {
        var (_, client) = await SignedIn();
        await client.LiftRestrictionAsync(familyId, reason);
        stdout.WriteLine($"The restriction of family {familyId} is lifted: its members can write again.");
        return 0;
    }

    public async Task<int> DsrHold(Guid familyId, string? ground, DateOnly? until, bool release)
    {
        var (_, client) = await SignedIn();
        if (release)
        {
            await client.LiftLegalHoldAsync(familyId);
            stdout.WriteLine($"The legal hold on family {familyId} is lifted: an erasure request can now be carried out.");
            return 0;
        }
        await client.SetLegalHoldAsync(familyId, ground ?? "", until);
        stdout.WriteLine($"Legal hold on family {familyId}{(until is { } u ? $" until {u:yyyy-MM-dd}" : "")}: erasure is refused with this ground.");
        return 0;
    }

    /// <summary>Erases and saves the signed receipt (receipt and signature, base64) next to a summary of what was destroyed.</summary>
    public async Task<int> DsrErase(Guid requestId, string? receiptFile, bool json)
    {
        var (_, client) = await SignedIn();
        var (receipt, signed) = await client.EraseAsync(requestId);
        var path = KeepReceipt(client, signed, $"erasure-{requestId}", receiptFile);
        if (json)
        {
            WriteJson(new { receipt, receiptFile = path });
            return 0;
        }
        stdout.WriteLine($"Family {receipt.FamilyId} erased ({receipt.CompletedAt:yyyy-MM-dd HH:mm} UTC). Destroyed:");
        Table([Say("PART", "ONDERDEEL"), Say("COUNT", "AANTAL"), "SHA-256"],
            receipt.Parts.Select(p => new[] { p.Part, p.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Sha256 }));
        stdout.WriteLine($"The receipt, signed with the server's audit key, is in {path}: hand it to the requester.");
        stdout.WriteLine(ForProfile(NextHints.AfterReceipt(path)));
        return 0;
    }

    private int PrintRequests(List<SubjectRequestResponse> requests, bool json, string? done)
    {
        if (json)
        {
            WriteJson(requests);
            return 0;
        }
        if (requests.Count == 0)
        {
            stdout.WriteLine(Say("No requests.", "Geen verzoeken."));
            return 0;
        }
        Table([Say("REQUEST", "VERZOEK"), Say("KIND", "SOORT"), Say("STATUS", "STATUS"), Say("RECEIVED", "ONTVANGEN"), Say("DUE", "UITERLIJK"),
                Say("OUTCOME", "UITKOMST")],
            requests.Select(r => new[]
            {
                r.Id.ToString(), r.Kind, r.Status, OnDay(r.ReceivedAt),
                OnDay(r.DueAt) + (RequestStatus.IsOpen(r.Status) && r.DueAt < DateTimeOffset.UtcNow ? Say(" (overdue)", " (te laat)") : ""),
                r.Outcome ?? (r.ExtensionReason is { } why ? Say($"extended: {why}", $"verlengd: {why}") : ""),
            }));
        if (done is not null)
        {
            stdout.WriteLine(done);
        }
        return 0;
    }
}
