using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Audit;
using Vault.Contracts.Consent;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;
using Vault.Contracts.KeyRings;
using Vault.Contracts.Messaging;
using Vault.Crypto;
using static Vault.Server.Tests.AuthorizationMatrixFixture;

namespace Vault.Server.Tests;

/// <summary>What a cell must answer: an exact 2xx, or an exact refusal status with its problem type.</summary>
internal sealed record Outcome(int Status, string? Type = null)
{
    public static readonly Outcome Unauthorized = new(401, ProblemTypes.Unauthorized);
    public static readonly Outcome Forbidden = new(403, ProblemTypes.Forbidden);
    public static readonly Outcome NoConsent = new(403, ProblemTypes.NoConsent);
    public static readonly Outcome NotFound = new(404, ProblemTypes.NotFound);
    public static readonly Outcome Conflict = new(409, ProblemTypes.Conflict);
    public static readonly Outcome InvalidGrant = new(400, ProblemTypes.InvalidGrant);
    public static readonly Outcome InvalidInvitation = new(400, ProblemTypes.InvalidInvitation);

    public bool Success => Status is >= 200 and < 300;

    public override string ToString() => Success ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Status} {Type}";
}

/// <summary>One caller on one world; <see cref="Expected"/> is what the rules say it must get.</summary>
internal sealed record Cell(AuthorizationMatrixFixture F, Person Who, World World)
{
    public Outcome Expected { get; init; } = Outcome.NotFound;
    public bool Allowed => Expected.Success;
    public VaultClient Client => Who.Client ?? throw new InvalidOperationException("An anonymous caller has no client.");
    public Guid UserId => Who.UserId;
    public DeviceKeys Device => Who.Client?.Session?.Device ?? F.StrangerDevice;
    public Guid DeviceId => Who.Client?.Session?.DeviceId ?? Guid.Empty;
    public IdentityKeys Identity => Who.Client?.Session?.Identity ?? F.StrangerIdentity;

    public override string ToString() => $"{Who} on {World}";
}

/// <summary>A request: path (with query), JSON body, and whatever the row's check needs to know about it.</summary>
internal sealed record Req(string Path, object? Body = null, object? State = null)
{
    /// <summary>A body of raw bytes instead of JSON (a tus PATCH), sent with <see cref="Headers"/>.</summary>
    public byte[]? Raw { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>An authorization rule: null lets the caller through, otherwise the refusal.</summary>
internal sealed record Rule(string Name, Func<Cell, Outcome?> Decide, bool Anonymous = false);

/// <summary>Family rows run every member standing; PerRole rows (account level) one caller per role and the outsiders.</summary>
internal enum Audience { Family, PerRole }

/// <summary>
/// One line of the matrix. <c>Rule</c> is the authorization decision; <c>After</c> a refusal the endpoint gives only
/// after it found the target (so a foreign id answers 404 first); <c>Build</c> makes a request that is valid for the
/// caller (doing the preparation an allowed call needs); <c>Check</c> proves an allowed answer really is the caller's.
/// </summary>
internal sealed record Row(string Method, string Template, Rule Rule, int Success)
{
    public string Variant { get; init; } = "";
    public Audience Audience { get; init; } = Audience.Family;

    /// <summary>PerRole rows: call family B's ids instead of A's.</summary>
    public bool OnB { get; init; }

    /// <summary>Also call family A's URL with family B's channel/grant/member ids in it (and random ids to compare).</summary>
    public bool Foreign { get; init; }

    /// <summary>The endpoint looks its target up before the consent rule: a foreign id is 404 for every member.</summary>
    public bool TargetFirst { get; init; }

    public Func<Cell, Outcome?>? After { get; init; }
    public Func<Cell, string, Task<Req>>? Build { get; init; }
    public Func<Cell, Req, Response, Task<string?>>? Check { get; init; }

    public string Route => $"{Method} {Template}";
    public string Key => Variant.Length == 0 ? Route : $"{Route} [{Variant}]";

    public override string ToString() => Key;
}

internal static partial class Matrix
{
    private const string Family = "/families/{familyId:guid}";
    private const string Grants = Family + "/grants";
    private const string Ring = Family + "/keyrings/{scope}";
    private const string Channels = Family + "/channels";
    private const string OneChannel = Channels + "/{channelId:guid}";

    // ---- rules -------------------------------------------------------------------------------------------------

    private static readonly Rule Anyone = new("anyone, even anonymous", _ => null, Anonymous: true);
    private static readonly Rule SignedIn = new("any signed-in device", _ => null);
    private static readonly Rule Member = new("any member", _ => null);
    private static readonly Rule Nobody = new("nobody: looks like nothing", _ => Outcome.NotFound);

    private static readonly Rule SharesFamilyOrAdmin = new("shares a family, or admin", c =>
        c.Who.Role == Roles.Admin || (c.Who.IsMemberOfA && c.World == c.F.A) ? null : Outcome.NotFound);

    private static Rule RolesOnly(params string[] roles) =>
        new("role " + string.Join("/", roles), c => roles.Contains(c.Who.Role, StringComparer.Ordinal) ? null : Outcome.Forbidden);

    private static Rule Consent(Func<World, string> scope, string permission) =>
        new($"guardian, or a {permission} grant", c =>
            c.Who.Role == Roles.Guardian || c.Who.Holds(scope(c.World), permission) ? null : Outcome.NoConsent);

    private static string ChannelScope(World w) => ConsentScopes.Channel(w.ChannelId);

    private static string ArchiveScope(World w) => ConsentScopes.Channel(w.ArchiveChannelId);

    // ---- the table ---------------------------------------------------------------------------------------------

    public static readonly Row[] Rows =
    [
        // Families and their traject
        new("POST", "/families", RolesOnly(Roles.Coordinator, Roles.Wijkcoach), 201)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(t, new CreateFamilyRequest($"KG-2026-m{c.F.Next()}", "GM0363", new DateOnly(2026, 11, 1), null))),
            Check = Json<FamilySummary>((c, r, s) => s.MyRole == c.Who.Role && s.Reference == ((CreateFamilyRequest)r.Body!).Reference),
        },
        new("GET", "/families", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<List<FamilySummary>>((c, _, list) =>
                list.Any(s => s.Id == c.F.A.FamilyId) == c.Who.IsMemberOfA && list.All(s => s.Id != c.F.B.FamilyId)),
        },
        new("GET", Family, Member, 200)
        {
            Check = Json<FamilySummary>((c, _, s) => s.Id == c.World.FamilyId && s.MyRole == c.Who.Role && s.Reference == c.World.Reference),
        },
        new("PUT", Family + "/traject", RolesOnly(Roles.Coordinator, Roles.Wijkcoach), 204)
        {
            Build = (c, t) => Done(new Req(Fill(t, c), new UpdateTrajectRequest("active", new DateOnly(2027, 6, 1)))),
        },
        new("GET", Family + "/progress", Consent(_ => ConsentScopes.Progress, Permissions.Read), 200)
        {
            Check = Json<ProgressResponse>((c, _, p) => p.FamilyId == c.World.FamilyId && p.Gemeente == "GM0363" && p.Channels >= 2),
        },

        // Members
        new("POST", Family + "/invitations", RolesOnly(Roles.Guardian, Roles.Coordinator, Roles.Wijkcoach), 200)
        {
            Variant = "a network member",
            Build = (c, t) => Done(new Req(Fill(t, c), new CreateFamilyInvitationRequest(Roles.Network, null, null))),
            Check = Json<InvitationResponse>((_, _, i) => i.Role == Roles.Network && i.Code.Length > 0),
        },
        new("POST", Family + "/invitations", RolesOnly(Roles.Guardian, Roles.Coordinator, Roles.Wijkcoach), 200)
        {
            // Guardians invite their own people (guardian, child, network); professionals come in through case workers.
            Variant = "a professional",
            After = c => c.Who.Role == Roles.Guardian ? Outcome.Forbidden : null,
            Build = (c, t) => Done(new Req(Fill(t, c), new CreateFamilyInvitationRequest(Roles.Krachtgezin, null, null))),
            Check = Json<InvitationResponse>((_, _, i) => i.Role == Roles.Krachtgezin && i.Code.Length > 0),
        },
        new("POST", "/families/invitations/accept", SignedIn, 200)
        {
            // The code decides the family; an account can only take a code for its own role (PO and admin have none).
            Audience = Audience.PerRole,
            After = c => Roles.IsFamilyRole(c.Who.Role) ? null : Outcome.InvalidInvitation,
            Build = AcceptAsync,
            Check = Json<FamilySummary>((c, r, s) => s.Id == (Guid)r.State! && s.MyRole == c.Who.Role),
        },
        new("GET", Family + "/members", Consent(_ => ConsentScopes.Members, Permissions.Read), 200)
        {
            Check = Json<List<MemberInfo>>((c, _, list) => list.Any(m => m.UserId == c.World.GuardianId)
                && list.Any(m => m.UserId == c.UserId) && (c.Who.Role == Roles.Guardian || list.All(m => m.DateOfBirth is null))),
        },
        new("DELETE", Family + "/members/{userId:guid}", RolesOnly(Roles.Guardian, Roles.Coordinator, Roles.Wijkcoach), 204)
        {
            // Removing someone else. (Leaving, which any member may do, is not in the matrix: it would dissolve the cast.)
            Variant = "another member",
            Foreign = true,
            Build = RemoveAsync,
        },
        new("GET", Family + "/guardians", Member, 200)
        {
            Check = Json<List<RecipientInfo>>((c, _, list) => list.Select(r => r.UserId).SequenceEqual([c.World.GuardianId])),
        },
        new("GET", Family + "/access", RolesOnly(Roles.Guardian), 200)
        {
            Check = Json<List<ScopeAccess>>((c, _, list) => list.Any(s => s.Scope == ChannelScope(c.World)
                && s.Readers.Any(r => r.UserId == c.World.GuardianId))),
        },

        // Consent grants
        new("POST", Grants, Member, 201)
        {
            // Any member may hand in a grant the guardian signed (e.g. a coordinator at the kennismaking).
            Build = (c, t) =>
            {
                var grant = c.F.SpareGrant(c.World.FamilyId);
                return Done(new Req(Fill(t, c), new SubmitGrantRequest(grant, [c.World.Signer.SignGrant(grant)])));
            },
            Check = Json<GrantResponse>((_, r, g) =>
                g.Grant.GrantId == ((SubmitGrantRequest)r.Body!).Grant.GrantId && g.Status == GrantStatus.Active),
        },
        new("GET", Grants, Member, 200)
        {
            // Guardians see every grant; anyone else only grants to or about themselves.
            Check = Json<List<GrantResponse>>((c, _, list) => c.Who.Role == Roles.Guardian
                ? list.Any(g => g.Grant.GrantId == c.World.GrantId)
                : list.All(g => g.Grant.GranteeUserId == c.UserId || g.Grant.SubjectUserId == c.UserId)),
        },
        new("POST", Grants + "/{grantId:guid}/signatures", Member, 200)
        {
            // Only a guardian or the child the grant is about can co-sign; anyone else's signature is an invalid grant.
            Foreign = true,
            After = c => c.Who.Role is Roles.Guardian or Roles.Child ? null : Outcome.InvalidGrant,
            Build = CoSignAsync,
            Check = Json<GrantResponse>((_, r, g) => g.Grant.GrantId == (Guid)r.State! && g.Status == GrantStatus.Active),
        },
        new("POST", Grants + "/{grantId:guid}/withdraw", Member, 200)
        {
            Variant = "someone else's grant",
            Foreign = true,
            After = c => c.Who.Role == Roles.Guardian ? null : Outcome.Forbidden,
            Build = (c, t) => WithdrawAsync(c, t, own: false),
            Check = ReceiptAsync,
        },
        new("POST", Grants + "/{grantId:guid}/withdraw", Member, 200)
        {
            Variant = "own grant (the grantee renounces; a guardian withdraws any)",
            Foreign = true,
            Build = (c, t) => WithdrawAsync(c, t, own: true),
            Check = ReceiptAsync,
        },

        // Key rings: a channel's, the member list's, a document category's, and the one category a gemeente may hold
        .. KeyRingRows("channel", ChannelScope, foreign: true),
        .. KeyRingRows("members", _ => ConsentScopes.Members, foreign: false),
        .. KeyRingRows("documents:plan", _ => ConsentScopes.Documents("plan"), foreign: false),
        .. KeyRingRows("documents:beschikking", _ => ConsentScopes.Documents("beschikking"), foreign: false),

        // Documents: uploads, versions, content, trash (a gemeente works in beschikking, everyone else in plan)
        .. DocumentRows(),

        // Data-subject requests: the family files and follows, the privacy officer works them through
        .. DataSubjectRows(),
        .. ExportRows(),

        // The privacy officer
        .. PrivacyRows(),

        // Retention: the privacy officer's view of a family's clocks
        .. RetentionRows(),
        new("GET", "/account/identity-wraps", SignedIn, 200)
        {
            // What a device set up from the passphrase wraps again for itself: only scopes the caller may read now.
            Audience = Audience.PerRole,
            Build = DropDeviceWrapAsync,
            Check = JsonAsync<List<IdentityWrapsResponse>>(IdentityWrapsCheckOutAsync),
        },

        // Channels
        new("GET", Channels, Member, 200)
        {
            // Only channels of this family, and only those the caller may read (guardians: all).
            Check = Json<List<ChannelResponse>>((c, _, list) => list.All(ch => ch.FamilyId == c.World.FamilyId)
                && list.Any(ch => ch.Id == c.World.ChannelId) == (c.Who.Role == Roles.Guardian || c.Who.Holds(ChannelScope(c.World), Permissions.Read))),
        },
        new("POST", Channels, Member, 201)
        {
            // A member opens a channel with a write grant for themselves that the guardian signed; a gemeente can hold none.
            After = c => c.Who.Role == Roles.Gemeente ? Outcome.NoConsent : null,
            Build = CreateChannelAsync,
            Check = Json<ChannelResponse>((c, r, ch) => ch.Id == (Guid)r.State! && ch.FamilyId == c.World.FamilyId && ch.CurrentEpoch == 1),
        },
        new("GET", OneChannel, Consent(ChannelScope, Permissions.Read), 200)
        {
            Foreign = true,
            Check = Json<ChannelResponse>((c, _, ch) => ch.Id == c.World.ChannelId && ch.FamilyId == c.World.FamilyId),
        },
        new("PATCH", OneChannel, Consent(ChannelScope, Permissions.Write), 204)
        {
            Foreign = true,
            Build = (c, t) => Done(new Req(Fill(t, c), new UpdateChannelRequest(null))),
        },
        new("POST", OneChannel + "/archive", Consent(ArchiveScope, Permissions.Write), 204)
        {
            // On a channel of its own: the send row needs the main channel open.
            Foreign = true,
            Build = (c, t) => Done(new Req(Fill(t, c, channelId: c.World.ArchiveChannelId))),
        },

        // Messages
        new("POST", OneChannel + "/messages", Consent(ChannelScope, Permissions.Write), 200)
        {
            Foreign = true,
            Build = async (c, t) =>
            {
                var (request, text) = await MessageAsync(c);
                return new Req(Fill(t, c), request, text);
            },
            Check = JsonAsync<MessageDelivery>(async (c, r, m) => m.SenderUserId == c.UserId && m.ChannelId == c.World.ChannelId
                && (await c.F.GuardianA.OpenAsync(m)) is { Authentic: true } opened && opened.Text == (string)r.State!),
        },
        new("GET", OneChannel + "/messages", Consent(ChannelScope, Permissions.Read), 200)
        {
            Foreign = true,
            Build = (c, t) => Done(new Req(Fill(t, c) + "?after=0&limit=20")),
            Check = JsonAsync<HistoryResponse>(async (c, _, page) => page.Messages.Count > 0
                && page.Messages.All(m => m.ChannelId == c.World.ChannelId && m.FamilyId == c.World.FamilyId)
                && (await c.Client.OpenAsync(page.Messages[0])).Authentic),
        },
        new("POST", OneChannel + "/receipts", Consent(ChannelScope, Permissions.Read), 204)
        {
            Foreign = true,
            Build = (c, t) => Done(new Req(Fill(t, c), new ReadReceiptRequest(1))),
        },
        new("GET", OneChannel + "/receipts", Consent(ChannelScope, Permissions.Read), 200)
        {
            Foreign = true,
            Check = Json<List<ReadReceiptInfo>>((_, _, list) => list.All(m => m.UpToSeq >= 1)),
        },

        // Audit
        new("GET", Family + "/audit", RolesOnly(Roles.Guardian, Roles.Child), 200)
        {
            // A child sees its part: its own actions and what concerns it (the channel about it, grants, its membership).
            Build = (c, t) => Done(new Req(Fill(t, c) + "?limit=50")),
            Check = Json<AuditPageResponse>((c, _, page) => page.Entries.Count > 0 && page.Partial == (c.Who.Role == Roles.Child)
                && page.Entries.All(e => e.Entry.Fields is null || e.Entry.Fields.FamilyId == c.World.FamilyId)
                && (c.Who.Role != Roles.Child || page.Entries.All(e => e.Entry.Fields is { } f && (f.ActorUserId == c.UserId
                    || f.Resource.StartsWith("grant:", StringComparison.Ordinal)
                    || f.Resource.Contains(c.UserId.ToString(), StringComparison.Ordinal)
                    || f.Resource.Contains(ConsentScopes.Channel(c.F.ChannelAbout(c.UserId)), StringComparison.Ordinal))))),
        },
        new("GET", "/audit/key", Anyone, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<AuditKeyResponse>((_, _, k) => k.Algorithm == "ed25519" && k.PublicKey.Length == 32),
        },
        new("GET", "/audit/tree-head", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<SignedTreeHeadDto>((_, _, h) => h.TreeSize > 0 && h.Signature.Length == 64),
        },
        new("GET", "/audit/consistency", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Build = async (c, t) =>
            {
                var size = c.Allowed ? (await c.Client.GetTreeHeadAsync()).TreeSize : 1;
                return new Req($"{t}?from=1&to={size}", null, size);
            },
            Check = Json<ConsistencyProofDto>((_, r, p) => p.FromSize == 1 && p.ToSize == (long)r.State!),
        },
        new("GET", "/audit/entries", RolesOnly(Roles.PrivacyOfficer), 200)
        {
            Audience = Audience.PerRole,
            Build = (_, t) => Done(new Req(t + "?after=-1&limit=5")),
            Check = Json<AuditPageResponse>((_, _, page) => page.Entries.Count == 5 && page.Head.TreeSize > 5),
        },
        new("POST", "/audit/entries/{index:long}/erase-personal-fields", RolesOnly(Roles.PrivacyOfficer), 204)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c))),
        },

        // Devices and the key directory
        new("POST", "/account/devices", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(t, NewDevice(c.Identity, "matrix"))),
            Check = JsonAsync<DeviceInfo>(async (c, r, d) =>
            {
                await c.Client.RevokeDeviceAsync(d.Id); // tidy: a live extra device would join every later rotation
                return d.SigningKey.AsSpan().SequenceEqual(((DeviceRegistration)r.Body!).SigningKey);
            }),
        },
        new("GET", "/account/devices", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<List<DeviceInfo>>((c, _, list) => list.Any(d => d.Id == c.DeviceId && d.RevokedAt is null)),
        },
        new("DELETE", "/account/devices/{deviceId:guid}", SignedIn, 204)
        {
            Variant = "own (a throwaway device)",
            Audience = Audience.PerRole,
            Build = async (c, t) =>
            {
                var id = Guid.NewGuid();
                if (c.Allowed)
                {
                    var registered = await c.F.SendAsync(c.Who, "POST", "/account/devices", NewDevice(c.Identity, "throwaway"));
                    id = JsonSerializer.Deserialize<DeviceInfo>(registered.Body, AuthorizationMatrixFixture.Json)!.Id;
                }
                return new Req(Fill(t, c, deviceId: id), null, id);
            },
            Check = async (c, r, _) => (await c.Client.ListDevicesAsync()).Single(d => d.Id == (Guid)r.State!).RevokedAt is not null
                ? null : "the device is still active",
        },
        new("DELETE", "/account/devices/{deviceId:guid}", Nobody, 204)
        {
            Variant = "another user's device",
            Audience = Audience.PerRole,
        },
        new("GET", "/users/{userId:guid}/keys", SharesFamilyOrAdmin, 200)
        {
            Variant = "a guardian of family A",
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c, userId: c.World.GuardianId))),
            Check = Json<UserKeysResponse>((c, _, k) => k.UserId == c.World.GuardianId),
        },
        new("GET", "/users/{userId:guid}/keys", SharesFamilyOrAdmin, 200)
        {
            Variant = "a guardian of family B",
            Audience = Audience.PerRole,
            OnB = true,
            Build = (c, t) => Done(new Req(Fill(t, c, userId: c.World.GuardianId))),
            Check = Json<UserKeysResponse>((c, _, k) => k.UserId == c.World.GuardianId),
        },
        new("GET", "/users/{userId:guid}/keys", SignedIn, 200)
        {
            Variant = "own",
            Audience = Audience.PerRole,
            Build = (c, t) => Done(new Req(Fill(t, c, userId: c.UserId))),
            Check = Json<UserKeysResponse>((c, _, k) => k.UserId == c.UserId && k.Devices.Any(d => d.Id == c.DeviceId)),
        },

        // Identity: invitations (admin) and the caller's own account
        new("POST", "/invitations", RolesOnly(Roles.Admin), 200)
        {
            Audience = Audience.PerRole,
            Build = (_, t) => Done(new Req(t, new CreateInvitationRequest(Roles.Network, null))),
            Check = Json<InvitationResponse>((_, _, i) => i.Role == Roles.Network && i.Code.Length > 0),
        },
        new("GET", "/account", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<AccountResponse>((c, _, a) => a.UserId == c.UserId && a.Role == c.Who.Role && a.DeviceId == c.DeviceId),
        },
        new("GET", "/account/kdf", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<KdfPolicyResponse>((_, _, k) => k.OpsLimit >= 1 && k.MemLimitBytes >= 8 * 1024 * 1024),
        },
        new("GET", "/account/keys", SignedIn, 200)
        {
            Audience = Audience.PerRole,
            Check = Json<KeyBundleResponse>((c, _, k) => k.IdentitySigningKey.AsSpan().SequenceEqual(c.Identity.SigningPublicKey)),
        },
        new("POST", "/account/passphrase", SignedIn, 204)
        {
            // The same passphrase under a new salt: the account changes for real and the cast can still sign in.
            Audience = Audience.PerRole,
            Build = PassphraseAsync,
            Check = async (c, r, _) =>
            {
                var keys = await c.F.SendAsync(c.Who, "GET", "/account/keys", null);
                var salt = JsonSerializer.Deserialize<KeyBundleResponse>(keys.Body, AuthorizationMatrixFixture.Json)!.Salt;
                return salt.AsSpan().SequenceEqual((byte[])r.State!) ? null : "the key bundle's salt did not change";
            },
        },
        new("POST", "/account/totp", SignedIn, 200)
        {
            // An account with an active second factor (professionals, or after confirming) cannot enrol again.
            Audience = Audience.PerRole,
            After = c => c.F.HasSecondFactor(c.Who) ? Outcome.Conflict : null,
            Build = (_, t) => Done(new Req(t, new { })),
            Check = Json<TotpEnrollment>((c, _, e) => e.Secret.Length > 0 && e.Required == Roles.RequiresSecondFactor(c.Who.Role)),
        },
        new("POST", "/account/totp/confirm", SignedIn, 204)
        {
            Audience = Audience.PerRole,
            Build = async (c, t) =>
            {
                if (!c.Allowed)
                {
                    return new Req(t, new TotpConfirmRequest("000000"));
                }
                var secret = c.F.Cast.TotpSecrets.TryGetValue(c.UserId, out var active) ? active : (await c.Client.EnrollTotpAsync()).Secret;
                return new Req(t, new TotpConfirmRequest(VaultServer.TotpCode(secret, stepsAhead: 1)), secret);
            },
            Check = (c, r, _) =>
            {
                c.F.Cast.TotpSecrets[c.UserId] = (string)r.State!;
                return Task.FromResult<string?>(null);
            },
        },
    ];

    private static IEnumerable<Row> KeyRingRows(string variant, Func<World, string> scope, bool foreign) =>
    [
        new("GET", Ring, Consent(scope, Permissions.Read), 200)
        {
            TargetFirst = true,
            // A device gets its own wraps only, and one for the current epoch.
            Variant = variant,
            Foreign = foreign,
            Build = (c, t) => Done(new Req(Fill(t, c, scope: scope(c.World)))),
            Check = Json<KeyRingResponse>((c, _, ring) => ring.Scope == scope(c.World) && ring.Wraps.All(w => w.RecipientUserId == c.UserId)
                && (ring.CurrentEpoch == 0 || ring.Wraps.Any(w => w.Epoch == ring.CurrentEpoch && w.RecipientDeviceId == c.DeviceId))),
        },
        new("GET", Ring + "/recipients", Consent(scope, Permissions.Read), 200)
        {
            TargetFirst = true,
            Variant = variant,
            Foreign = foreign,
            Build = (c, t) => Done(new Req(Fill(t, c, scope: scope(c.World)))),
            Check = Json<List<RecipientInfo>>((c, _, list) => ExactlyTheReaders(c, scope(c.World), list)),
        },
        new("POST", Ring + "/epochs", Consent(scope, Permissions.Write), 200)
        {
            Variant = variant,
            Foreign = foreign,
            Build = (c, t) => RotateAsync(c, t, scope(c.World)),
            Check = Json<KeyRingResponse>((_, r, ring) => ring.CurrentEpoch == (int)r.State!),
        },
        new("POST", Ring + "/epochs/{epoch:int}/wraps", Consent(scope, Permissions.Read), 204)
        {
            // A reader wraps an epoch it holds through its identity key again for its own device (after recovery).
            Variant = variant + ", for the caller's own device",
            Foreign = foreign,
            Build = (c, t) => SelfWrapAsync(c, t, scope(c.World)),
            Check = async (c, r, _) =>
            {
                var (epoch, key) = ((int, byte[]))r.State!;
                var ring = JsonSerializer.Deserialize<KeyRingResponse>((await c.F.SendAsync(c.Who, "GET", Fill(Ring, c, scope(c.World)), null)).Body,
                    AuthorizationMatrixFixture.Json)!;
                var wrap = ring.Wraps.SingleOrDefault(w => w.Epoch == epoch && w.RecipientDeviceId == c.DeviceId && w.WrapperDeviceId == c.DeviceId);
                return wrap is not null && KeyWrap.Open(wrap.WrappedKey, c.Device.BoxSecret, c.Device.BoxPublicKey).AsSpan().SequenceEqual(key)
                    ? null
                    : "the device does not get its own wrap back";
            },
        },
        new("POST", Ring + "/epochs/{epoch:int}/wraps", Consent(scope, Permissions.Write), 204)
        {
            Variant = variant,
            Foreign = foreign,
            Build = (c, t) => AddWrapsAsync(c, t, scope(c.World)),
            Check = async (c, r, _) =>
            {
                var (epoch, key) = ((int, byte[]))r.State!;
                var opened = await c.F.WrapTarget.EpochKeyAsync(c.World.FamilyId, scope(c.World), epoch);
                return opened.AsSpan().SequenceEqual(key) ? null : "the new reader cannot open the wrapped key";
            },
        },
    ];

    // ---- expectations and cells ----------------------------------------------------------------------------------

    /// <summary>
    /// What the rules say, in the order the server must decide: signed in at all (401); a member of the family in the
    /// URL (404, exactly like a family that does not exist); the row's rule (403); the target inside the family
    /// (404 for a foreign or random id); the endpoint's own refusal; success.
    /// </summary>
    public static Outcome Expect(Row row, Cell c)
    {
        if (!row.Rule.Anonymous && !c.Who.SignedIn)
        {
            return Outcome.Unauthorized;
        }
        if (row.Audience == Audience.Family && !(c.Who.IsMemberOfA && c.World.FamilyId == c.F.A.FamilyId))
        {
            return Outcome.NotFound;
        }
        if (row.TargetFirst && c.World.ForeignIds)
        {
            return Outcome.NotFound;
        }
        if (row.Rule.Decide(c) is { } refused)
        {
            return refused;
        }
        if (c.World.ForeignIds)
        {
            return Outcome.NotFound;
        }
        return row.After?.Invoke(c) ?? new Outcome(row.Success);
    }

    /// <summary>The cells of a row, each with the cell whose answer it must be indistinguishable from when refused.</summary>
    public static IEnumerable<(Cell Cell, Cell Twin)> Cells(Row row, AuthorizationMatrixFixture f)
    {
        var nowhere = new Cell(f, f.NoFamily, f.Nowhere);
        if (row.Audience == Audience.PerRole)
        {
            foreach (var person in f.Principals)
            {
                yield return (new Cell(f, person, row.OnB ? f.B : f.A), nowhere);
            }
            yield break;
        }
        foreach (var person in f.People)
        {
            yield return (new Cell(f, person, person.Standing == Standing.OtherFamily ? f.B : f.A), nowhere);
        }
        if (row.Foreign)
        {
            foreach (var person in f.People.Where(p => p.Standing is Standing.Family or Standing.Write))
            {
                yield return (new Cell(f, person, f.OwnWithOtherIds), new Cell(f, person, f.OwnWithRandomIds));
            }
        }
    }

    public static async Task<List<string>> RunAsync(AuthorizationMatrixFixture f, Row row, Action<string> log)
    {
        var started = Stopwatch.GetTimestamp();
        var failures = new List<string>();
        var (cells, compared) = (0, 0);
        Response? nowhere = null;
        foreach (var (plain, plainTwin) in Cells(row, f))
        {
            cells++;
            var cell = plain with { Expected = Expect(row, plain) };
            string? failure;
            try
            {
                var (request, response) = await CallAsync(row, cell);
                failure = await JudgeAsync(row, cell, request, response);
                if (failure is null && !cell.Expected.Success && (cell.World.ForeignIds || cell.Expected.Status == 404))
                {
                    var twin = plainTwin with { Expected = Expect(row, plainTwin) };
                    var baseline = twin.World == f.Nowhere
                        ? nowhere ??= (await CallAsync(row, twin)).Response
                        : (await CallAsync(row, twin)).Response;
                    failure = Distinguishable(response, baseline);
                    compared++;
                }
            }
            catch (Exception e) when (e is VaultApiException or CryptographicException or JsonException or InvalidOperationException
                                          or HttpRequestException)
            {
                failure = $"preparing or checking the call failed: {e.GetType().Name}: {e.Message}";
            }
            if (failure is not null)
            {
                failures.Add($"{row.Key} as {cell} (expected {cell.Expected}): {failure}");
            }
        }
        log($"{row.Key}: {cells} cells ({compared} refusals compared with a random id's), {failures.Count} wrong, "
            + $"{Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        failures.ForEach(log);
        return failures;
    }

    private static async Task<(Req Request, Response Response)> CallAsync(Row row, Cell cell)
    {
        var request = row.Build is { } build ? await build(cell, row.Template) : new Req(Fill(row.Template, cell));
        return (request, await cell.F.SendAsync(cell.Who, row.Method, request));
    }

    private static async Task<string?> JudgeAsync(Row row, Cell cell, Req request, Response response)
    {
        var expected = cell.Expected;
        if (response.Status >= 500)
        {
            return $"server error {response.Status}: {Clip(response.Body)}";
        }
        if (expected.Success)
        {
            if (response.Status != expected.Status)
            {
                return $"got {response} {Clip(response.Title ?? response.Body)}";
            }
            return row.Check is { } check ? await check(cell, request, response) : null;
        }
        if (row.Method == "HEAD")
        {
            // No body to a HEAD: the status is all a refusal can say.
            return response.Status == expected.Status ? null : $"got {response.Status}";
        }
        if (response.Status != expected.Status || response.ProblemType != expected.Type)
        {
            return $"got {response} {Clip(response.Title ?? response.Body)}";
        }
        if (response.MediaType != "application/problem+json")
        {
            return $"the refusal is {response.MediaType}, not a problem document";
        }
        var outsider = expected.Status is 401 or 404 || cell.World.ForeignIds;
        var named = outsider ? cell.World.Secrets.FirstOrDefault(s => response.Body.Contains(s, StringComparison.OrdinalIgnoreCase)) : null;
        return named is null ? null : $"the refusal names {named}: {Clip(response.Body)}";
    }

    private static string? Distinguishable(Response answer, Response baseline) =>
        answer.Status == baseline.Status && answer.ProblemType == baseline.ProblemType && answer.Title == baseline.Title
        && answer.Shape == baseline.Shape && answer.MediaType == baseline.MediaType
            ? null
            : $"distinguishable from a random id: {answer} \"{answer.Title}\" [{answer.Shape}] vs {baseline} \"{baseline.Title}\" [{baseline.Shape}]";

    private static bool ExactlyTheReaders(Cell c, string scope, List<RecipientInfo> readers)
    {
        var ids = readers.Select(r => r.UserId).ToHashSet();
        return ids.Contains(c.F.A.GuardianId) && c.F.People
            .Where(p => p.UserId != Guid.Empty && p.Role != Roles.Guardian && p.Standing != Standing.OtherFamily)
            .All(p => ids.Contains(p.UserId) == (p.IsMemberOfA && p.Holds(scope, Permissions.Read)));
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    private static Task<Req> Done(Req request) => Task.FromResult(request);

    private static string Fill(string template, Cell c, string? scope = null, Guid? channelId = null, Guid? grantId = null,
        Guid? userId = null, Guid? deviceId = null, int epoch = 1) => template
        .Replace("{familyId:guid}", c.World.FamilyId.ToString(), StringComparison.Ordinal)
        .Replace("{channelId:guid}", (channelId ?? c.World.ChannelId).ToString(), StringComparison.Ordinal)
        .Replace("{grantId:guid}", (grantId ?? c.World.GrantId).ToString(), StringComparison.Ordinal)
        .Replace("{userId:guid}", (userId ?? c.World.MemberId).ToString(), StringComparison.Ordinal)
        .Replace("{deviceId:guid}", (deviceId ?? c.World.DeviceId).ToString(), StringComparison.Ordinal)
        .Replace("{scope}", Uri.EscapeDataString(scope ?? ""), StringComparison.Ordinal)
        .Replace("{epoch:int}", epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{index:long}", "1", StringComparison.Ordinal);

    private static GrantSignature SignatureOf(Cell c, ConsentGrantBody grant) =>
        c.Who.Client?.Session is not null ? c.Client.SignGrant(grant) : new GrantSignature(Guid.Empty, Guid.Empty, new byte[64]);

    /// <summary>
    /// A read-only grantee gets the same valid request a writer would send: if the server lets it through, the cell
    /// shows the change succeeding, not some unrelated conflict.
    /// </summary>
    private static bool MayRead(Cell c, string scope) => c.World == c.F.A && c.Who.IsMemberOfA && c.Who.Holds(scope, Permissions.Read);

    /// <summary>One wrap sealed to a key no reader holds: the right shape for a call that must be refused anyway.</summary>
    private static List<KeyWrapUpload> DummyWraps(Cell c, string scope, int epoch) =>
        Wrap(c.Device, c.World.FamilyId, scope, epoch, KeyWrap.NewEpochKey(),
            [new RecipientInfo(c.World.GuardianId, "", "", [], c.F.StrangerIdentity.BoxPublicKey, [])]);

    /// <summary>A message sealed and signed by the caller's device under the channel's writable epoch (as the SDK sends it).</summary>
    public static async Task<(SendMessageRequest Request, string Text)> MessageAsync(Cell c)
    {
        var w = c.World;
        var scope = ChannelScope(w);
        var (epoch, key) = (1, KeyWrap.NewEpochKey());
        if (c.Allowed)
        {
            epoch = await c.Client.WritableEpochAsync(w.FamilyId, scope, refresh: true); // rotates first if access changed
            key = await c.Client.EpochKeyAsync(w.FamilyId, scope, epoch);
        }
        var id = Guid.NewGuid();
        var text = $"matrix {c.Who} {id:N}";
        var header = new EnvelopeHeader(w.FamilyId, w.ChannelId, epoch, c.DeviceId, id, MessageKinds.Message, null);
        var envelope = MessageEnvelope.Seal(header, JsonSerializer.SerializeToUtf8Bytes(new { text }, AuthorizationMatrixFixture.Json), key, c.Device);
        return (new SendMessageRequest(id, epoch, MessageKinds.Message, null, envelope), text);
    }

    private static async Task<Req> AcceptAsync(Cell c, string template)
    {
        if (!c.Allowed)
        {
            return new Req(template, new AcceptFamilyInvitationRequest(c.F.NetworkInvitationCode));
        }
        // A fresh family per call, so that nobody ends up sharing a family with anyone else in the matrix.
        var family = await c.F.Inviter.CreateFamilyAsync(new CreateFamilyRequest($"KG-2026-c{c.F.Next()}", "GM0363", new DateOnly(2026, 11, 1), null));
        var invitation = await c.F.Inviter.InviteToFamilyAsync(family.Id, c.Who.Role, c.Who.Role == Roles.Child ? c.F.ChildBorn : null);
        return new Req(template, new AcceptFamilyInvitationRequest(invitation.Code), family.Id);
    }

    private static async Task<Req> RemoveAsync(Cell c, string template)
    {
        if (!c.Allowed)
        {
            return new Req(Fill(template, c));
        }
        await c.F.EnsureRemovableIsMemberAsync();
        c.F.RemovableIsOut = true;
        return new Req(Fill(template, c, userId: c.F.Removable.Session!.UserId));
    }

    private static async Task<Req> CoSignAsync(Cell c, string template)
    {
        var f = c.F;
        if (!c.Allowed)
        {
            var target = c.World == f.A ? f.PendingGrant.GrantId : c.World.GrantId;
            return new Req(Fill(template, c, grantId: target), SignatureOf(c, f.PendingGrant));
        }
        // A fresh grant about a child that still lacks exactly the caller's signature.
        ConsentGrantBody grant;
        if (c.Who.Role == Roles.Guardian)
        {
            grant = f.GrantAbout(f.ChildSubject.Session!.UserId);
            await SubmitAsync(f.ChildSubject, grant);
        }
        else
        {
            grant = f.GrantAbout(c.UserId);
            await SubmitAsync(f.GuardianA, grant);
        }
        return new Req(Fill(template, c, grantId: grant.GrantId), c.Client.SignGrant(grant), grant.GrantId);
    }

    private static async Task<Req> WithdrawAsync(Cell c, string template, bool own)
    {
        if (!c.Allowed)
        {
            return new Req(Fill(template, c), new WithdrawGrantRequest("matrix"));
        }
        var f = c.F;
        var scope = ConsentScopes.Documents(c.Who.Role == Roles.Gemeente ? "voortgang" : "verslag");
        var grant = own && c.Who.Role != Roles.Guardian
            ? VaultClient.NewGrant(f.A.FamilyId, c.UserId, scope, Permissions.Read, "matrix")
            : f.SpareGrant(f.A.FamilyId);
        await SubmitAsync(f.GuardianA, grant);
        return new Req(Fill(template, c, grantId: grant.GrantId), new WithdrawGrantRequest("matrix"), grant.GrantId);
    }

    private static async Task<string?> ReceiptAsync(Cell c, Req request, Response response)
    {
        var signed = JsonSerializer.Deserialize<SignedReceipt>(response.Body, AuthorizationMatrixFixture.Json)!;
        var receipt = JsonSerializer.Deserialize<WithdrawalReceipt>(await c.Client.VerifyReceiptAsync(signed), AuthorizationMatrixFixture.Json);
        return receipt?.GrantId == (Guid)request.State! && receipt.FamilyId == c.World.FamilyId ? null : "a receipt for something else";
    }

    private static async Task<Req> RotateAsync(Cell c, string template, string scope)
    {
        var familyId = c.World.FamilyId;
        if (!c.Allowed && !MayRead(c, scope))
        {
            return new Req(Fill(template, c, scope), new NewEpochRequest(2, DummyWraps(c, scope, 2)));
        }
        var ring = await c.Client.GetKeyRingAsync(familyId, scope);
        var readers = await c.Client.GetRecipientsAsync(familyId, scope);
        var epoch = ring.CurrentEpoch + 1;
        return new Req(Fill(template, c, scope), new NewEpochRequest(epoch, Wrap(c.Device, familyId, scope, epoch, KeyWrap.NewEpochKey(), readers)), epoch);
    }

    private static async Task<Req> AddWrapsAsync(Cell c, string template, string scope)
    {
        if (!c.Allowed && !MayRead(c, scope))
        {
            return new Req(Fill(template, c, scope), new AddWrapsRequest(DummyWraps(c, scope, 1)));
        }
        var familyId = c.World.FamilyId;
        var epoch = await c.F.ReaderWithoutWrapAsync(scope);
        var key = await c.Client.EpochKeyAsync(familyId, scope, epoch);
        var reader = ToRecipient(await c.Client.GetUserKeysAsync(c.F.WrapTarget.Session!.UserId));
        return new Req(Fill(template, c, scope, epoch: epoch), new AddWrapsRequest(Wrap(c.Device, familyId, scope, epoch, key, [reader])), (epoch, key));
    }

    /// <summary>
    /// A reader's device that lost its wrap of the current epoch (as a device set up later never had one) wraps the key
    /// it holds again for itself; refused cells send the same shape sealed to a key nobody holds.
    /// </summary>
    private static async Task<Req> SelfWrapAsync(Cell c, string template, string scope)
    {
        var familyId = c.World.FamilyId;
        var (epoch, key) = (1, KeyWrap.NewEpochKey());
        if (c.Allowed)
        {
            epoch = (await c.Client.GetKeyRingAsync(familyId, scope)).CurrentEpoch;
            epoch = epoch > 0 ? epoch : await c.F.GuardianA.RotateAsync(familyId, scope);
            key = await c.Client.EpochKeyAsync(familyId, scope, epoch);
            c.F.Server.Sql("DELETE FROM KeyWraps WHERE FamilyId = @f AND Scope = @s AND Epoch = @e AND RecipientUserId = @u AND RecipientDeviceId = @d",
                ("@f", familyId), ("@s", scope), ("@e", epoch), ("@u", c.UserId), ("@d", c.DeviceId));
        }
        var wrapped = KeyWrap.Seal(key, c.Device.BoxPublicKey);
        var upload = new KeyWrapUpload(c.UserId, c.DeviceId, wrapped,
            c.Device.Sign(KeyWrap.Statement(familyId, scope, epoch, c.UserId, c.DeviceId, wrapped)));
        return new Req(Fill(template, c, scope, epoch: epoch), new AddWrapsRequest([upload]), (epoch, key));
    }

    /// <summary>Drops the caller's device wrap of the newest epoch of A's channel it also holds for its identity key.</summary>
    private static Task<Req> DropDeviceWrapAsync(Cell c, string template)
    {
        if (!c.Allowed)
        {
            return Done(new Req(template));
        }
        (string, object)[] args = [("@f", c.F.A.FamilyId), ("@s", ChannelScope(c.F.A)), ("@u", c.UserId),
            ("@d", c.DeviceId)];
        var epochs = c.F.Server.Column<long>("SELECT d.Epoch FROM KeyWraps d WHERE d.FamilyId = @f AND d.Scope = @s "
            + "AND d.RecipientUserId = @u AND d.RecipientDeviceId = @d AND EXISTS (SELECT 1 FROM KeyWraps i WHERE "
            + "i.FamilyId = d.FamilyId AND i.Scope = d.Scope AND i.Epoch = d.Epoch AND i.RecipientUserId = d.RecipientUserId "
            + "AND i.RecipientDeviceId = @none) ORDER BY d.Epoch DESC LIMIT 1", [.. args, ("@none", Guid.Empty)]);
        int? epoch = epochs.Count > 0 ? (int)epochs[0] : null;
        if (epoch is not null)
        {
            c.F.Server.Sql("DELETE FROM KeyWraps WHERE FamilyId = @f AND Scope = @s AND RecipientUserId = @u AND RecipientDeviceId = @d "
                + "AND Epoch = @e", [.. args, ("@e", epoch)]);
        }
        return Done(new Req(template, null, (int?)epoch));
    }

    /// <summary>Only scopes the caller may read now, only its own identity wraps, and the one just dropped is back via the SDK.</summary>
    private static async Task<bool> IdentityWrapsCheckOutAsync(Cell c, Req request, List<IdentityWrapsResponse> list)
    {
        bool MayReadNow(string scope) => c.Who.IsMemberOfA && (c.Who.Role == Roles.Guardian || c.Who.Holds(scope, Permissions.Read));
        if (!list.All(s => s.FamilyId == c.F.A.FamilyId && MayReadNow(s.Scope)
                && s.Wraps.All(w => w.RecipientUserId == c.UserId && w.RecipientDeviceId is null)))
        {
            return false;
        }
        var scope = ChannelScope(c.F.A);
        if ((int?)request.State is not { } dropped)
        {
            return true;
        }
        var listed = list.Any(s => s.Scope == scope && s.Wraps.Any(w => w.Epoch == dropped));
        if (!MayReadNow(scope))
        {
            return !listed;
        }
        // The SDK wraps it again for the device (restoring the cast) and then nothing of it is missing any more.
        return listed && await c.Client.WrapHistoryForThisDeviceAsync() >= 1
               && (await c.Client.GetIdentityWrapsAsync()).All(s => s.Scope != scope || s.Wraps.All(w => w.Epoch != dropped));
    }

    private static async Task<Req> CreateChannelAsync(Cell c, string template)
    {
        var w = c.World;
        var channelId = Guid.NewGuid();
        var scope = ConsentScopes.Channel(channelId);
        var key = KeyWrap.NewEpochKey();
        IReadOnlyList<SubmitGrantRequest> grants = [];
        if (c.Who.Role is not (Roles.Guardian or Roles.Gemeente))
        {
            var grant = VaultClient.NewGrant(w.FamilyId, c.UserId, scope, Permissions.Write, "matrix");
            grants = [new SubmitGrantRequest(grant, [w.Signer.SignGrant(grant)])];
        }
        List<KeyWrapUpload> wraps;
        if (c.Allowed)
        {
            var readers = await c.Client.ListGuardiansAsync(w.FamilyId);
            if (c.Who.Role != Roles.Guardian)
            {
                readers.Add(ToRecipient(await c.Client.GetUserKeysAsync(c.UserId)));
            }
            wraps = Wrap(c.Device, w.FamilyId, scope, 1, key, readers);
        }
        else
        {
            wraps = DummyWraps(c, scope, 1);
        }
        var meta = ScopeBox.Seal(w.FamilyId, scope, 1, ChannelMetaLabel,
            JsonSerializer.SerializeToUtf8Bytes(new { name = "matrix" }, AuthorizationMatrixFixture.Json), key);
        return new Req(Fill(template, c), new CreateChannelRequest(channelId, meta, null, grants, wraps), channelId);
    }

    private static async Task<Req> PassphraseAsync(Cell c, string template)
    {
        if (!c.Allowed)
        {
            return new Req(template, new ChangePassphraseRequest(new byte[32], new byte[16], new byte[32], new byte[KeyBundle.Length], 3,
                8 * 1024 * 1024));
        }
        var current = await c.Client.PreLoginAsync(c.Client.Session!.Username);
        using var currentKeys = PassphraseKeys.Derive(Cast.Passphrase, current);
        var next = current with { Salt = RandomNumberGenerator.GetBytes(KdfParameters.SaltBytes) };
        using var nextKeys = PassphraseKeys.Derive(Cast.Passphrase, next);
        var request = new ChangePassphraseRequest(currentKeys.AuthKey.ToArray(), next.Salt, nextKeys.AuthKey.ToArray(),
            KeyBundle.Seal(c.Identity, nextKeys.KeyEncryptionKey, next.Salt), next.OpsLimit, next.MemLimitBytes);
        return new Req(template, request, next.Salt);
    }

    // ---- checks ------------------------------------------------------------------------------------------------------

    private static Func<Cell, Req, Response, Task<string?>> Json<T>(Func<Cell, Req, T, bool> ok) =>
        JsonAsync<T>((c, r, value) => Task.FromResult(ok(c, r, value)));

    private static Func<Cell, Req, Response, Task<string?>> JsonAsync<T>(Func<Cell, Req, T, Task<bool>> ok) => async (c, r, response) =>
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(response.Body, AuthorizationMatrixFixture.Json);
        }
        catch (JsonException e)
        {
            return $"unreadable {typeof(T).Name}: {e.Message}";
        }
        return value is not null && await ok(c, r, value) ? null : $"the body does not check out for this caller: {Clip(response.Body)}";
    };

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
