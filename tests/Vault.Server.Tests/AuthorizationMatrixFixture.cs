using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Vault.Client;
using Vault.Contracts;
using Vault.Contracts.Consent;
using Vault.Contracts.Documents;
using Vault.Contracts.Families;
using Vault.Contracts.Identity;
using Vault.Contracts.KeyRings;
using Vault.Contracts.Messaging;
using Vault.Crypto;

namespace Vault.Server.Tests;

/// <summary>Where a caller stands towards family A (the family whose URLs the matrix calls).</summary>
public enum Standing
{
    /// <summary>A guardian: the family itself, no grant needed.</summary>
    Family,
    /// <summary>A member with active write grants (write includes read).</summary>
    Write,
    /// <summary>A member with active read-only grants.</summary>
    ReadOnly,
    NoGrant,
    Expired,
    Withdrawn,
    /// <summary>A member of A (guardian or write-granted member) calling family B's URLs.</summary>
    OtherFamily,
    /// <summary>Was a member of A with grants, then removed.</summary>
    Removed,
    /// <summary>An account in no family (a professional without a traject, the privacy officer, the admin).</summary>
    NoFamily,
    Anonymous,
    /// <summary>A token whose device has been revoked.</summary>
    RevokedDevice,
}

/// <summary>One caller of the matrix: a role, a standing and a signed-in SDK client (none when anonymous).</summary>
public sealed class Person(string role, Standing standing, VaultClient? client)
{
    public string Role => role;
    public Standing Standing => standing;
    public VaultClient? Client => client;
    public Guid UserId => client?.Session?.UserId ?? Guid.Empty;

    /// <summary>Scopes of family A this person holds an in-force grant for, with its permission.</summary>
    public Dictionary<string, string> Grants { get; } = new(StringComparer.Ordinal);

    public bool IsMemberOfA => standing is Standing.Family or Standing.Write or Standing.ReadOnly or Standing.NoGrant
        or Standing.Expired or Standing.Withdrawn or Standing.OtherFamily;

    public bool SignedIn => standing is not (Standing.Anonymous or Standing.RevokedDevice);

    public bool Holds(string scope, string permission) =>
        Grants.TryGetValue(scope, out var granted) && Permissions.Covers(granted, permission);

    public override string ToString() => $"{role}/{standing}";
}

/// <summary>
/// The ids a request names. <c>A</c> and <c>B</c> are real families; <c>Nowhere</c> is all random ids (the 404 every
/// other-family answer must be indistinguishable from); <c>OwnWithOtherIds</c> is family A's id with family B's
/// channel, grant, member ids inside it, and <c>OwnWithRandomIds</c> its random-id twin.
/// </summary>
public sealed record World(string Name, Guid FamilyId, string Reference, Guid ChannelId, Guid ArchiveChannelId, Guid GrantId,
    Guid MemberId, Guid GuardianId, Guid DeviceId, VaultClient Signer, bool ForeignIds)
{
    /// <summary>What must never appear in a refusal: the family's identifiers and reference.</summary>
    /// <summary>Documents: the category's own (plan), a gemeente's (beschikking), both in the trash, and an open upload.</summary>
    public Guid PlanId { get; init; } = Guid.NewGuid();
    public Guid BeschikkingId { get; init; } = Guid.NewGuid();
    public Guid TrashedPlanId { get; init; } = Guid.NewGuid();
    public Guid TrashedBeschikkingId { get; init; } = Guid.NewGuid();
    public Guid UploadId { get; init; } = Guid.NewGuid();

    public IEnumerable<string> Secrets => new[] { ChannelId, ArchiveChannelId, GrantId, MemberId, GuardianId, DeviceId, PlanId,
            BeschikkingId, TrashedPlanId, TrashedBeschikkingId, UploadId }
        .Concat(ForeignIds ? [] : [FamilyId]) // a foreign-id URL names the caller's own family: not a secret to them
        .Select(id => id.ToString("D")).Append(Reference);

    public override string ToString() => Name;
}

[CollectionDefinition(AuthorizationMatrixFixture.Collection)]
public sealed class AuthorizationMatrixGroup : ICollectionFixture<AuthorizationMatrixFixture>;

/// <summary>
/// One server and one cast for the whole matrix (each account costs two Argon2id derivations): family A with a
/// member of every role in every grant standing, family B next door, and the outsiders. Rows that change state act
/// on targets made for them (spare members, fresh grants, throwaway devices), so rows can run in any order.
/// </summary>
public sealed class AuthorizationMatrixFixture : IAsyncLifetime
{
    public const string Collection = "authorization matrix";
    public const string ChannelMetaLabel = "channel.meta"; // the SDK's label for a channel's encrypted name

    public static readonly string[] MemberRoles =
        [Roles.Child, Roles.Krachtgezin, Roles.Wijkcoach, Roles.Gemeente, Roles.Coordinator, Roles.Network];

    public static readonly Standing[] MemberStandings =
        [Standing.Write, Standing.ReadOnly, Standing.NoGrant, Standing.Expired, Standing.Withdrawn];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<Guid, (HubConnection Hub, Inbox Received)> hubs = new();

    public AuthorizationMatrixFixture() => Cast = new Cast(Server);

    public VaultServer Server { get; } = new();
    public Cast Cast { get; }
    public HttpClient Http { get; private set; } = null!;
    public DateOnly ChildBorn { get; } = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-14);

    public World A { get; private set; } = null!;
    public World B { get; private set; } = null!;
    public World Nowhere { get; private set; } = null!;
    public World OwnWithOtherIds { get; private set; } = null!;
    public World OwnWithRandomIds { get; private set; } = null!;

    public VaultClient GuardianA { get; private set; } = null!;
    public VaultClient CoordinatorA { get; private set; } = null!;
    public VaultClient GuardianB { get; private set; } = null!;
    public VaultClient CoordinatorB { get; private set; } = null!;

    /// <summary>A network member of A: grantee of the grants rows submit, co-sign and withdraw.</summary>
    public VaultClient Spare { get; private set; } = null!;

    /// <summary>A network member of A whom the removal row removes (and the next removal restores first).</summary>
    public VaultClient Removable { get; private set; } = null!;

    public bool RemovableIsOut { get; set; }

    /// <summary>A network member of A who is made a reader without a wrap, for the add-wraps row.</summary>
    public VaultClient WrapTarget { get; private set; } = null!;

    /// <summary>A coordinator outside A and B who opens a fresh family for every invitation the accept row redeems.</summary>
    public VaultClient Inviter { get; private set; } = null!;

    /// <summary>A child member of A, subject of the grants that need a child's co-signature.</summary>
    public VaultClient ChildSubject { get; private set; } = null!;

    /// <summary>A grant of A awaiting the child subject's signature (signed by the guardian).</summary>
    public ConsentGrantBody PendingGrant { get; private set; } = null!;

    /// <summary>An unredeemed invitation into A for the network role.</summary>
    public string NetworkInvitationCode { get; private set; } = "";

    /// <summary>Every caller of a family row (OtherFamily callers act on B, everybody else on A).</summary>
    public List<Person> People { get; } = [];

    /// <summary>One caller per role, plus the outsiders: the callers of rows where only the account's role counts.</summary>
    public List<Person> Principals { get; } = [];

    public Person NoFamily { get; private set; } = null!;

    /// <summary>Keys no server knows: for requests by callers without a device of their own.</summary>
    public DeviceKeys StrangerDevice { get; } = DeviceKeys.Generate();

    public IdentityKeys StrangerIdentity { get; } = IdentityKeys.Generate();

    private readonly Dictionary<string, Guid> wrapTargetGrants = new(StringComparer.Ordinal);
    private int counter;

    public int Next() => Interlocked.Increment(ref counter);

    public async Task InitializeAsync()
    {
        Http = Server.NewHttp();
        await Cast.AdminAsync(); // before anything runs in parallel: every professional's invitation comes from it
        var families = await Task.WhenAll(Cast.FamilyAsync("a"), Cast.FamilyAsync("b"));
        var (a, coordinatorA, guardianA) = families[0];
        familyA = a;
        var (b, coordinatorB, guardianB) = families[1];
        (GuardianA, CoordinatorA, GuardianB, CoordinatorB) = (guardianA, coordinatorA, guardianB, coordinatorB);

        // A member of every role in every standing. Registering is the slow part (Argon2id on both sides): a few at a time.
        Task<VaultClient> Join(string role, string name) => role is Roles.Child or Roles.Network
            ? Cast.FamilyMemberAsync(guardianA, a, role, name, role == Roles.Child ? ChildBorn : null)
            : JoinedAccountAsync(coordinatorA, a, role, name);
        var slots = MemberRoles.SelectMany(role => MemberStandings.Select(standing => (Role: role, Standing: standing))).ToList();
        var clients = await InParallelAsync(slots.Select(slot =>
            (Func<Task<VaultClient>>)(() => Join(slot.Role, $"{slot.Role}.{slot.Standing}".ToLowerInvariant()))));
        var members = slots.Select((slot, i) => new Person(slot.Role, slot.Standing, clients[i])).ToList();
        var extras = await InParallelAsync<VaultClient>(
        [
            () => Join(Roles.Network, "spare"), () => Join(Roles.Network, "removable"), () => Join(Roles.Network, "wrap.target"),
            () => Join(Roles.Krachtgezin, "removed.member"), () => Cast.AccountAsync(Roles.Krachtgezin, "no.family"),
            () => Cast.AccountAsync(Roles.PrivacyOfficer, "privacy.officer"), () => Cast.AccountAsync(Roles.Network, "revoked.device"),
            () => Cast.AccountAsync(Roles.Coordinator, "inviter"),
        ]);
        (Spare, Removable, WrapTarget, Inviter) = (extras[0], extras[1], extras[2], extras[7]);
        var (removed, noFamily, officer, revoked, admin) = (extras[3], extras[4], extras[5], extras[6], await Cast.AdminAsync());
        ChildSubject = members.First(p => p.Role == Roles.Child && p.Standing == Standing.NoGrant).Client!;

        // Channels with their grants, signed by the guardian in one go; the first includes the coordinator (kennismaking).
        var readers = members.Where(p => p.Role != Roles.Gemeente && p.Standing != Standing.NoGrant).ToList();
        ChannelMember Member(Person p) => new(p.UserId, p.Standing == Standing.ReadOnly ? Permissions.Read : Permissions.Write, "matrix");
        var intro = await guardianA.CreateChannelAsync(a, "kennismaking", [
            new ChannelMember(coordinatorA.Session!.UserId, Permissions.Write, "kennismaking"),
            new ChannelMember(removed.Session!.UserId, Permissions.Write, "matrix"), .. readers.Select(Member)]);
        var archive = await guardianA.CreateChannelAsync(a, "archief", readers.Select(Member).ToList());
        await guardianA.SendAsync(a, intro.Id, "eerste bericht");
        var otherChannel = await Cast.IntroChannelAsync(guardianB, b, coordinatorB);
        await guardianB.SendAsync(b, otherChannel.Id, "ander gezin");

        // The other scopes: progress, members and a document category (gemeente: only what it may hold).
        var submissions = new List<Func<Task<GrantResponse>>>();
        foreach (var person in members.Where(p => p.Standing != Standing.NoGrant))
        {
            var permission = person.Standing == Standing.ReadOnly ? Permissions.Read : Permissions.Write;
            var scopes = person.Role == Roles.Gemeente
                ? new[] { ConsentScopes.Progress, ConsentScopes.Documents("beschikking") }
                : [ConsentScopes.Progress, ConsentScopes.Members, ConsentScopes.Documents("plan")];
            submissions.AddRange(scopes.Select(scope => (Func<Task<GrantResponse>>)(() => SubmitAsync(guardianA,
                VaultClient.NewGrant(a, person.UserId, scope, permission, "matrix", validUntil: DateTimeOffset.UtcNow.AddDays(30))))));
            if (person.Role != Roles.Gemeente)
            {
                scopes = [.. scopes, ConsentScopes.Channel(intro.Id), ConsentScopes.Channel(archive.Id)];
            }
            if (person.Standing is Standing.Write or Standing.ReadOnly)
            {
                foreach (var scope in scopes)
                {
                    person.Grants[scope] = permission;
                }
            }
        }
        await InParallelAsync(submissions);
        await SubmitAsync(guardianA, VaultClient.NewGrant(a, removed.Session.UserId, ConsentScopes.Progress, Permissions.Write, "matrix"));

        // Expired and withdrawn standings: every grant of theirs lapses (channel grants included).
        var grants = await guardianA.ListGrantsAsync(a);
        var lapses = new List<Func<Task<bool>>>();
        foreach (var person in members.Where(p => p.Standing is Standing.Expired or Standing.Withdrawn))
        {
            foreach (var grant in grants.Where(g => g.Grant.GranteeUserId == person.UserId))
            {
                if (person.Standing == Standing.Expired)
                {
                    ConsentTests.ExpireGrant(Server, grant.Grant.GrantId);
                }
                else
                {
                    lapses.Add(async () => (await guardianA.WithdrawGrantAsync(a, grant.Grant.GrantId, "matrix")).GrantId == grant.Grant.GrantId);
                }
            }
        }
        await InParallelAsync(lapses);

        // Role limits hold whatever was signed: grants a gemeente may not hold, as if signed before a rule existed.
        foreach (var gemeente in members.Where(p => p.Role == Roles.Gemeente && p.Standing == Standing.Write))
        {
            var progress = grants.Single(g => g.Grant.GranteeUserId == gemeente.UserId && g.Grant.Scope == ConsentScopes.Progress);
            foreach (var scope in new[] { ConsentScopes.Members, ConsentScopes.Documents("plan"), ConsentScopes.Channel(intro.Id),
                         ConsentScopes.Channel(archive.Id) })
            {
                InjectGrant(progress.Grant.GrantId, scope);
            }
        }
        await coordinatorA.RemoveMemberAsync(a, removed.Session.UserId);

        // A channel about each child: a child's say (co-signing) is only over data about that child.
        foreach (var child in members.Where(p => p.Role == Roles.Child))
        {
            channelsAbout[child.UserId] = (await guardianA.CreateChannelAsync(a, "over het kind", [], subjectUserId: child.UserId)).Id;
        }

        // Targets: a grant to the spare member, a grant awaiting the child's co-signature, an open invitation.
        var standingGrant = await SubmitAsync(guardianA, SpareGrant(a));
        PendingGrant = GrantAbout(ChildSubject.Session!.UserId);
        Assert.Equal(GrantStatus.Pending, (await SubmitAsync(guardianA, PendingGrant)).Status);
        NetworkInvitationCode = (await coordinatorA.InviteToFamilyAsync(a, Roles.Network)).Code;
        var otherGrant = (await guardianB.ListGrantsAsync(b)).First().Grant.GrantId;
        await revoked.RevokeDeviceAsync(revoked.Session!.DeviceId);

        A = await WithDocumentsAsync(new World("A", a, "KG-2026-a1", intro.Id, archive.Id, standingGrant.Grant.GrantId,
            Removable.Session!.UserId, guardianA.Session!.UserId, coordinatorA.Session.DeviceId, guardianA, ForeignIds: false));
        B = await WithDocumentsAsync(new World("B", b, "KG-2026-b1", otherChannel.Id, otherChannel.Id, otherGrant,
            coordinatorB.Session!.UserId, guardianB.Session!.UserId, coordinatorB.Session.DeviceId, guardianB, ForeignIds: false));
        Nowhere = new World("nowhere", Guid.NewGuid(), "KG-0000-x", Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(),
            Guid.NewGuid(), Guid.NewGuid(), guardianA, ForeignIds: false);
        OwnWithOtherIds = B with { Name = "A with B's ids", FamilyId = a, Reference = B.Reference, Signer = guardianA, ForeignIds = true };
        OwnWithRandomIds = Nowhere with { Name = "A with random ids", FamilyId = a, Reference = B.Reference, ForeignIds = true };

        var guardian = new Person(Roles.Guardian, Standing.Family, guardianA);
        People.Add(guardian);
        People.Add(new Person(Roles.Guardian, Standing.OtherFamily, guardianA));
        foreach (var person in members)
        {
            People.Add(person);
            if (person.Standing == Standing.Write)
            {
                People.Add(new Person(person.Role, Standing.OtherFamily, person.Client));
            }
        }
        NoFamily = new Person(Roles.Krachtgezin, Standing.NoFamily, noFamily);
        Person[] outsiders =
        [
            new(Roles.Krachtgezin, Standing.Removed, removed), NoFamily, new(Roles.PrivacyOfficer, Standing.NoFamily, officer),
            new(Roles.Admin, Standing.NoFamily, admin), new("-", Standing.Anonymous, null),
            new(Roles.Network, Standing.RevokedDevice, revoked),
        ];
        People.AddRange(outsiders);
        Principals.Add(guardian);
        Principals.AddRange(members.Where(p => p.Standing == Standing.Write));
        Principals.AddRange(outsiders);
    }

    public async Task DisposeAsync()
    {
        foreach (var (hub, _) in hubs.Values)
        {
            await hub.DisposeAsync();
        }
        Http.Dispose();
        StrangerDevice.Dispose();
        StrangerIdentity.Dispose();
        Server.Dispose();
    }

    /// <summary>The guardian stores a plan and a beschikking, puts one of each in the trash, and leaves an upload open.</summary>
    private async Task<World> WithDocumentsAsync(World world)
    {
        var guardian = world.Signer;
        async Task<Guid> StoreAsync(string category) => (await guardian.UploadDocumentAsync(world.FamilyId, category,
            new MemoryStream(Encoding.UTF8.GetBytes($"{category} van {world.Name}")), new UploadOptions { Name = category + ".txt" })).DocumentId;
        var (plan, beschikking, trashedPlan, trashedBeschikking) =
            (await StoreAsync("plan"), await StoreAsync("beschikking"), await StoreAsync("plan"), await StoreAsync("beschikking"));
        await guardian.DeleteDocumentAsync(world.FamilyId, trashedPlan);
        await guardian.DeleteDocumentAsync(world.FamilyId, trashedBeschikking);
        var started = await SendAsync(new Person(Roles.Guardian, Standing.Family, guardian), "POST", $"/families/{world.FamilyId}/documents/uploads",
            new CreateUploadRequest("plan", null, DocumentFormat.CiphertextLength(10)));
        var upload = JsonSerializer.Deserialize<UploadResponse>(started.Body, Json)!;
        return world with
        {
            PlanId = plan, BeschikkingId = beschikking, TrashedPlanId = trashedPlan, TrashedBeschikkingId = trashedBeschikking,
            UploadId = upload.UploadId,
        };
    }

    /// <summary>Runs the work a few at a time (the server and the test share two cores); results in order.</summary>
    private static async Task<T[]> InParallelAsync<T>(IEnumerable<Func<Task<T>>> work)
    {
        using var gate = new SemaphoreSlim(3);
        return await Task.WhenAll(work.Select(async run =>
        {
            await gate.WaitAsync();
            try
            {
                return await run();
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task<VaultClient> JoinedAccountAsync(VaultClient coordinator, Guid familyId, string role, string name)
    {
        var client = await Cast.AccountAsync(role, name);
        await Cast.JoinAsync(coordinator, client, familyId, role);
        return client;
    }

    public ConsentGrantBody SpareGrant(Guid familyId) =>
        VaultClient.NewGrant(familyId, Spare.Session!.UserId, ConsentScopes.Documents("overig"), Permissions.Read, "matrix");

    private readonly Dictionary<Guid, Guid> channelsAbout = [];

    /// <summary>The channel of family A about a child member.</summary>
    public Guid ChannelAbout(Guid childId) => channelsAbout[childId];
    private Guid familyA;

    /// <summary>A grant to the spare member for the channel about a child of family A, naming the child (age rules).</summary>
    public ConsentGrantBody GrantAbout(Guid childId) =>
        VaultClient.NewGrant(familyA, Spare.Session!.UserId, ConsentScopes.Channel(channelsAbout[childId]),
            Permissions.Read, "matrix", subjectUserId: childId);

    public static Task<GrantResponse> SubmitAsync(VaultClient signer, ConsentGrantBody grant) =>
        signer.SubmitGrantAsync(new SubmitGrantRequest(grant, [signer.SignGrant(grant)]));

    private void InjectGrant(Guid copyOf, string scope)
    {
        Assert.Equal(1, Server.Sql("""
            INSERT INTO Grants (Id, FamilyId, GranteeUserId, SubjectUserId, Scope, Permission, Purpose, LegalBasis,
                ValidFromUnixMs, ValidUntilUnixMs, CreatedBy, CreatedAt, ActivatedAt)
            SELECT @id, FamilyId, GranteeUserId, SubjectUserId, @scope, 'write', Purpose, LegalBasis,
                ValidFromUnixMs, ValidUntilUnixMs, CreatedBy, CreatedAt, ActivatedAt FROM Grants WHERE Id = @source
            """, ("@id", Guid.NewGuid()), ("@scope", scope), ("@source", copyOf)));
    }

    /// <summary>
    /// Makes the wrap target a reader of <paramref name="scope"/> that holds no wrap of the current epoch: its grant is
    /// withdrawn, the guardian rotates without it, and a fresh grant comes in without sharing keys. Returns the epoch.
    /// </summary>
    public async Task<int> ReaderWithoutWrapAsync(string scope)
    {
        var familyId = A.FamilyId;
        if (wrapTargetGrants.TryGetValue(scope, out var previous))
        {
            await GuardianA.WithdrawGrantAsync(familyId, previous, "matrix");
        }
        var epoch = await GuardianA.RotateAsync(familyId, scope);
        var grant = await SubmitAsync(GuardianA, VaultClient.NewGrant(familyId, WrapTarget.Session!.UserId, scope, Permissions.Read, "matrix"));
        wrapTargetGrants[scope] = grant.Grant.GrantId;
        return epoch;
    }

    /// <summary>Restores the removable member after a removal row removed it.</summary>
    public async Task EnsureRemovableIsMemberAsync()
    {
        if (RemovableIsOut)
        {
            await Removable.AcceptFamilyInvitationAsync((await GuardianA.InviteToFamilyAsync(A.FamilyId, Roles.Network)).Code);
            RemovableIsOut = false;
        }
    }

    public bool HasSecondFactor(Person person) => Cast.TotpSecrets.ContainsKey(person.UserId);

    /// <summary>An epoch key sealed for every device and identity key of the recipients, signed by the wrapping device.</summary>
    public static List<KeyWrapUpload> Wrap(DeviceKeys wrapper, Guid familyId, string scope, int epoch, byte[] key,
        IEnumerable<RecipientInfo> recipients)
    {
        var wraps = new List<KeyWrapUpload>();
        foreach (var recipient in recipients)
        {
            var targets = recipient.Devices.Where(d => d.RevokedAt is null).Select(d => ((Guid?)d.Id, d.BoxKey))
                .Append((null, recipient.IdentityBoxKey));
            foreach (var (deviceId, boxKey) in targets)
            {
                var wrapped = KeyWrap.Seal(key, boxKey);
                wraps.Add(new KeyWrapUpload(recipient.UserId, deviceId, wrapped,
                    wrapper.Sign(KeyWrap.Statement(familyId, scope, epoch, recipient.UserId, deviceId, wrapped))));
            }
        }
        return wraps;
    }

    public static RecipientInfo ToRecipient(UserKeysResponse keys) =>
        new(keys.UserId, keys.Username, "", keys.IdentitySigningKey, keys.IdentityBoxKey, keys.Devices);

    /// <summary>A device registration certified by the given identity (a new device of that user).</summary>
    public static DeviceRegistration NewDevice(IdentityKeys identity, string name)
    {
        using var device = DeviceKeys.Generate();
        return new DeviceRegistration(name, device.SigningPublicKey, device.BoxPublicKey, device.SignBoxKey(), device.CertifyWith(identity));
    }

    /// <summary>One raw HTTP exchange as <paramref name="who"/> (no token when anonymous).</summary>
    public Task<Response> SendAsync(Person who, string method, string path, object? body) =>
        SendAsync(who, method, new Req(path, body));

    internal async Task<Response> SendAsync(Person who, string method, Req req)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), req.Path);
        if (req.Raw is { } raw)
        {
            request.Content = new ByteArrayContent(raw);
        }
        else if (req.Body is { } body)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }
        foreach (var (name, value) in req.Headers ?? new Dictionary<string, string>())
        {
            if (name == "Content-Type")
            {
                request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.Add(name, value);
            }
        }
        if (who.Client?.Session is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await who.Client.AccessTokenAsync());
        }
        using var response = await Http.SendAsync(request);
        return new Response((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            await response.Content.ReadAsStringAsync());
    }

    /// <summary>The person's hub connection (one per user, opened on first use) and every message it received.</summary>
    public async Task<(HubConnection Hub, Inbox Received)> HubAsync(Person who)
    {
        if (hubs.TryGetValue(who.UserId, out var open))
        {
            return open;
        }
        var client = who.Client!;
        var hub = NewHub(() => client.AccessTokenAsync());
        var received = new Inbox();
        hub.On<MessageDelivery>(nameof(IVaultHubClient.Message), received.Add);
        await hub.StartAsync();
        hubs[who.UserId] = (hub, received);
        return (hub, received);
    }

    public HubConnection NewHub(Func<Task<string>>? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Server.ClientOptions.BaseAddress, HubPaths.Hub), options =>
            {
                if (token is not null)
                {
                    options.AccessTokenProvider = async () => await token();
                }
            })
            .Build();
}

/// <summary>A raw answer: status, media type and body text.</summary>
public sealed record Response(int Status, string? MediaType, string Body)
{
    public JsonElement? Problem
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Body);
                return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public string? ProblemType => Problem is { } p && p.TryGetProperty("type", out var type) ? type.GetString() : null;

    public string? Title => Problem is { } p && p.TryGetProperty("title", out var title) ? title.GetString() : null;

    /// <summary>The body's shape: its top-level property names, sorted.</summary>
    public string Shape => Problem is { } p ? string.Join(",", p.EnumerateObject().Select(x => x.Name).Order(StringComparer.Ordinal)) : "(not an object)";

    public override string ToString() => $"{Status} {ProblemType}";
}

/// <summary>What one hub connection received, with a way to await a given message (no polling).</summary>
public sealed class Inbox
{
    private readonly ConcurrentQueue<MessageDelivery> received = new();
    private readonly Lock gate = new();
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyCollection<MessageDelivery> Messages => received;

    public void Add(MessageDelivery message)
    {
        received.Enqueue(message);
        TaskCompletionSource done;
        lock (gate)
        {
            (done, arrived) = (arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        done.TrySetResult();
    }

    public async Task<MessageDelivery> WaitForAsync(Guid clientMessageId, CancellationToken ct)
    {
        while (true)
        {
            Task next;
            lock (gate)
            {
                next = arrived.Task;
            }
            if (received.FirstOrDefault(d => d.ClientMessageId == clientMessageId) is { } found)
            {
                return found;
            }
            await next.WaitAsync(ct);
        }
    }
}
