using System.Reflection;
using Vault.Contracts;

namespace Vault.Contracts.Tests;

public sealed class ContractTests
{
    private static IEnumerable<string> AllProblemTypes() =>
        typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void ProblemTypes_AllDistinctUrns()
    {
        var types = AllProblemTypes().ToList();
        Assert.Equal(types.Count, types.Distinct(StringComparer.Ordinal).Count());
        Assert.All(types, t => Assert.Matches("^urn:vault:problem:[a-z0-9-]+$", t));
    }

    [Fact]
    public void ProblemTypes_PublishedValues_NeverChange()
    {
        // Clients branch on these strings: changing one is a breaking change.
        Assert.Equal("urn:vault:problem:invalid-credentials", ProblemTypes.InvalidCredentials);
        Assert.Equal("urn:vault:problem:invalid-invitation", ProblemTypes.InvalidInvitation);
        Assert.Equal("urn:vault:problem:second-factor-required", ProblemTypes.SecondFactorRequired);
        Assert.Equal("urn:vault:problem:not-found", ProblemTypes.ForStatus(404));
    }

    [Theory]
    [InlineData(Roles.Guardian, false)]
    [InlineData(Roles.Network, false)]
    [InlineData(Roles.Krachtgezin, true)]
    [InlineData(Roles.Wijkcoach, true)]
    [InlineData(Roles.Gemeente, true)]
    [InlineData(Roles.Coordinator, true)]
    [InlineData(Roles.PrivacyOfficer, true)]
    [InlineData(Roles.Admin, true)]
    public void RequiresSecondFactor_ByRole_MatchesPolicy(string role, bool required)
    {
        Assert.True(Roles.IsKnown(role));
        Assert.Equal(required, Roles.RequiresSecondFactor(role));
    }

    [Fact]
    public void IsKnown_UnknownOrWrongCase_False()
    {
        Assert.False(Roles.IsKnown("Guardian"));
        Assert.False(Roles.IsKnown("root"));
        Assert.False(Roles.IsKnown(null));
    }
}
