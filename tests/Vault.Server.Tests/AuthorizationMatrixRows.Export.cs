using System.Text.Json;
using Vault.Contracts;
using Vault.Contracts.Export;

namespace Vault.Server.Tests;

/// <summary>
/// The data-subject export: guardians only (403 for every other member, 404 for outsiders). An allowed answer must be
/// a complete package of the called family for the caller: header first, summary last, no record of another family.
/// </summary>
internal static partial class Matrix
{
    private static IEnumerable<Row> ExportRows() =>
    [
        new("GET", Family + "/export", RolesOnly(Roles.Guardian), 200)
        {
            Check = (c, _, response) => Task.FromResult(ExportProblem(c, response)),
        },
    ];

    private static string? ExportProblem(Cell c, Response response)
    {
        if (response.MediaType != ExportParts.ContentType)
        {
            return $"the export is {response.MediaType}";
        }
        var lines = response.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<ExportLine<JsonElement>>(l, AuthorizationMatrixFixture.Json)!).ToList();
        if (lines.Count < 2 || lines[0].Part != ExportParts.Header || lines[^1].Part != ExportParts.Summary)
        {
            return "the package does not run from header to summary";
        }
        var header = lines[0].Data.Deserialize<ExportHeader>(AuthorizationMatrixFixture.Json)!;
        if (header.FamilyId != c.World.FamilyId || header.RequesterUserId != c.UserId)
        {
            return "the package is of another family or requester";
        }
        var foreign = lines.Where(l => l.Part != ExportParts.Audit && l.Data.ValueKind == JsonValueKind.Object
            && l.Data.TryGetProperty("familyId", out var id) && id.GetGuid() != c.World.FamilyId).Select(l => l.Part).FirstOrDefault();
        return foreign is null ? null : $"a {foreign} record of another family";
    }
}
