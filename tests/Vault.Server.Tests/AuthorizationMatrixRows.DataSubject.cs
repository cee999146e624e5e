using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.DataSubject;
using Vault.Contracts.Families;

namespace Vault.Server.Tests;

/// <summary>
/// The data-subject rows of the matrix: guardians (and a child, for itself) file and follow requests; the privacy
/// officer alone works them through. A row that changes family A undoes it in its check (a restriction is lifted, a hold
/// released), and erasure works on a family of its own, so rows can run in any order.
/// </summary>
internal static partial class Matrix
{
    private const string Requests = Family + "/requests";
    private const string OneRequest = "/privacy/requests/{requestId:guid}";

    /// <summary>A row's plain request for a cell (rows without a Build of their own).</summary>
    public static string FillFor(string template, Cell c) => Fill(template, c);

    private static string FillRequest(string template, Cell c, Guid? requestId = null) =>
        Fill(template, c).Replace("{requestId:guid}", (requestId ?? Guid.NewGuid()).ToString(), StringComparison.Ordinal);

    /// <summary>For the officer: a fresh request of that kind on family A; for anyone else a random id (the role decides first).</summary>
    private static Func<Cell, string, Task<Req>> OnRequest(string kind, object? body = null, bool throwaway = false) => async (c, t) =>
    {
        if (!c.Allowed)
        {
            return new Req(FillRequest(t, c), body);
        }
        var familyId = throwaway ? await ThrowawayFamilyAsync(c) : c.World.FamilyId;
        var request = await c.Client.RecordRequestAsync(familyId, kind);
        return new Req(FillRequest(t, c, request.Id), body, request.Id);
    };

    private static async Task<Guid> ThrowawayFamilyAsync(Cell c) =>
        (await c.F.Inviter.CreateFamilyAsync(new CreateFamilyRequest($"KG-2026-e{c.F.Next()}", "GM0363", new DateOnly(2026, 11, 1), null))).Id;

    private static Func<Cell, Req, Response, Task<string?>> RequestIs(string status) =>
        Json<SubjectRequestResponse>((_, r, s) => s.Id == (Guid)r.State! && s.Status == status);

    private static IEnumerable<Row> DataSubjectRows() =>
    [
        new("POST", Requests, RolesOnly(Roles.Guardian, Roles.Child), 201)
        {
            Build = (c, t) => Done(new Req(Fill(t, c), new CreateSubjectRequest(RequestKinds.Access, null))),
            Check = Json<SubjectRequestResponse>((c, _, r) => r.RequestedBy == c.UserId && r.Status == RequestStatus.Received),
        },
        new("GET", Requests, RolesOnly(Roles.Guardian, Roles.Child), 200)
        {
            // A child sees only its own requests; guardians the family's.
            Check = Json<List<SubjectRequestResponse>>((c, _, list) => list.All(r => r.FamilyId == c.World.FamilyId)
                && (c.Who.Role != Roles.Child || list.All(r => r.RequestedBy == c.UserId))),
        },
        new("GET", "/requests/{requestId:guid}/receipt", Nobody, 200)
        {
            // Only the requester of an erased family's request; everyone else (here: a random id) sees nothing.
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(FillRequest(t, c))),
        },
        new("GET", "/privacy/requests", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<List<SubjectRequestResponse>>((_, _, list) => list.All(r => RequestStatus.IsOpen(r.Status))),
        },
        new("POST", "/privacy/families/{familyId:guid}/requests", OfficerOnly, 201)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c), new CreateSubjectRequest(RequestKinds.Access, "per brief"))),
            Check = Json<SubjectRequestResponse>((c, _, r) => r.FamilyId == c.World.FamilyId && r.RequestedBy == c.UserId),
        },
        new("GET", OneRequest, OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Access), Check = RequestIs(RequestStatus.Received),
        },
        new("POST", OneRequest + "/start", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Access), Check = RequestIs(RequestStatus.InProgress),
        },
        new("POST", OneRequest + "/extend", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Access, new ReasonRequest("drukte")),
            Check = RequestIs(RequestStatus.Received),
        },
        new("POST", OneRequest + "/refuse", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Access, new ReasonRequest("kennelijk ongegrond")),
            Check = RequestIs(RequestStatus.Refused),
        },
        new("POST", OneRequest + "/complete", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Access, new ReasonRequest("export verstrekt")),
            Check = RequestIs(RequestStatus.Done),
        },
        new("POST", OneRequest + "/restrict", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Restriction),
            Check = async (c, r, response) =>
            {
                await c.Client.LiftRestrictionAsync(c.World.FamilyId, "matrix");
                return await RequestIs(RequestStatus.Done)(c, r, response);
            },
        },
        new("POST", "/privacy/families/{familyId:guid}/restriction/lift", OfficerOnly, 204)
        {
            Audience = Audience.PerRole,
            Build = async (c, t) =>
            {
                if (c.Allowed)
                {
                    await c.Client.RestrictAsync((await c.Client.RecordRequestAsync(c.World.FamilyId, RequestKinds.Restriction)).Id);
                }
                return new Req(Fill(t, c), new ReasonRequest("bezwaar afgehandeld"));
            },
        },
        new("PUT", "/privacy/families/{familyId:guid}/legal-hold", OfficerOnly, 204)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c), new LegalHoldRequest("Jeugdwet art. 7.3.8", null))),
            Check = async (c, _, _) =>
            {
                await c.Client.LiftLegalHoldAsync(c.World.FamilyId);
                return null;
            },
        },
        new("DELETE", "/privacy/families/{familyId:guid}/legal-hold", OfficerOnly, 204) { Audience = Audience.PerRole },
        new("POST", OneRequest + "/rectify", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Build = async (c, t) => await OnRequest(RequestKinds.Rectification,
                new RectifyAccountRequest(c.World.GuardianId, $"ouder{c.F.Next()}@example.nl"))(c, t),
            Check = RequestIs(RequestStatus.Done),
        },
        new("POST", OneRequest + "/erase", OfficerOnly, 200)
        {
            Audience = Audience.PerRole, Build = OnRequest(RequestKinds.Erasure, throwaway: true),
            Check = JsonAsync<SignedReceipt>(async (c, r, s) => (await c.Client.VerifyReceiptAsync(s)).Length > 0),
        },
        new("GET", OneRequest + "/receipt", OfficerOnly, 200)
        {
            Audience = Audience.PerRole,
            Build = async (c, t) =>
            {
                var req = await OnRequest(RequestKinds.Erasure, throwaway: true)(c, t);
                if (c.Allowed)
                {
                    await c.Client.EraseAsync((Guid)req.State!);
                }
                return req;
            },
            Check = JsonAsync<SignedReceipt>(async (c, r, s) => (await c.Client.VerifyReceiptAsync(s)).Length > 0),
        },
    ];
}
