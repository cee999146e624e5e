using Vault.Server.Access;
using Vault.Server.Audit;
using Vault.Server.Cluster;
using Vault.Server.Consent;
using Vault.Server.Data;
using Vault.Server.DataSubject;
using Vault.Server.Documents;
using Vault.Server.Families;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Messaging;
using Vault.Server.Privacy;
using Vault.Server.Retention;
using Vault.Server.Storage;

var builder = WebApplication.CreateBuilder(args);
var (options, endpoint) = builder.AddVaultHost();

builder.Services
    .AddVaultProblemDetails()
    .AddVaultData(options)
    .AddVaultStorage(options)
    .AddVaultCluster(options)
    .AddVaultAccess()
    .AddVaultAudit()
    .AddVaultIdentity(options, endpoint)
    .AddVaultConsent()
    .AddVaultKeys()
    .AddVaultMessaging(options)
    .AddVaultDocuments()
    .AddVaultDataSubject()
    .AddVaultExport()
    .AddVaultPrivacy()
    .AddVaultRetention(options);

var app = builder.Build();

app.UseVaultPipeline();
app.UseVaultRestriction();
app.MapVaultHealth();
app.MapVaultApiDescription();
app.MapVaultIdentity();
app.MapVaultKeys();
app.MapVaultFamilies();
app.MapVaultConsent();
app.MapVaultAudit();
app.MapVaultMessaging();
app.MapVaultDocuments(options);
app.MapVaultDataSubject();
app.MapVaultExport();
app.MapVaultPrivacy();
app.MapVaultRetention();

app.Run();
