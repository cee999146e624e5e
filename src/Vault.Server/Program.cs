using Scalar.AspNetCore;
using Vault.Server.Data;
using Vault.Server.Identity;
using Vault.Server.Infrastructure;
using Vault.Server.Keys;
using Vault.Server.Storage;

var builder = WebApplication.CreateBuilder(args);
var options = builder.AddVaultHost();

builder.Services
    .AddVaultProblemDetails()
    .AddVaultData(options)
    .AddVaultStorage(options)
    .AddVaultIdentity(options)
    .AddOpenApi();

var app = builder.Build();

app.UseVaultPipeline();
app.MapVaultHealth();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapVaultIdentity();
app.MapVaultKeys();

app.Run();
