using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Vault.Server.Data;

namespace Vault.Server.Tests;

/// <summary>
/// A bug (here: the database failing under a handler) answers a bare 500 problem with a trace id and nothing else; the
/// log holds that trace id with the exception and its stack, so the answer can be traced (UseExceptionHandler alone
/// does not log what an IExceptionHandler handled).
/// </summary>
public sealed class UnexpectedErrorTests
{
    [Fact]
    public async Task Handler_Throws_Bare500WithTraceIdAndTheStackInTheLog()
    {
        var failing = new FailingFamilyQueries();
        using var server = new VaultServer
        {
            ConfigureTestServices = services => services.ConfigureDbContext<VaultDbContext>(db => db.AddInterceptors(failing)),
        };
        var (_, _, guardian) = await new Cast(server).FamilyAsync();
        using var http = server.NewHttp();
        failing.Armed = true;

        var response = await Probe.SendAsync(http, HttpMethod.Get, "/families", guardian.Session!.AccessToken);

        var problem = await Probe.AssertProblemAsync(response, HttpStatusCode.InternalServerError, Vault.Contracts.ProblemTypes.Internal);
        Assert.DoesNotContain(FailingFamilyQueries.Marker, problem.ToString(), StringComparison.Ordinal);
        var traceId = problem.GetProperty("traceId").GetString()!;
        var logged = server.Logs.Where(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.Contains(FailingFamilyQueries.Marker, logged[0], StringComparison.Ordinal);
        Assert.Contains("   at ", logged[0], StringComparison.Ordinal);
    }

    /// <summary>Throws on reads of the families table once armed.</summary>
    private sealed class FailingFamilyQueries : DbCommandInterceptor
    {
        public const string Marker = "injected failure 7f3a";
        public volatile bool Armed;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            Armed && command.CommandText.Contains("\"Memberships\"", StringComparison.Ordinal)
                ? throw new InvalidOperationException(Marker)
                : base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
