using System.Reflection;
using Vault.Server.Infrastructure;

namespace Vault.Server.Tests;

/// <summary>README's configuration reference stays true: every setting the server binds under `Vault:` is named there.</summary>
public sealed class ReadmeConfigurationTests
{
    [Fact]
    public void Readme_NamesEverySettingOfVaultOptions()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var missing = Settings(typeof(VaultOptions), "Vault").Where(path => !readme.Contains(path.Split(':')[^1], StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "settings README.md does not name: " + string.Join(", ", missing));
    }

    /// <summary>Every bindable leaf below <paramref name="type"/>, as Section:Key paths.</summary>
    private static IEnumerable<string> Settings(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var path = $"{prefix}:{property.Name}";
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var leaf = t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal)
                || (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(List<>) || g == typeof(Dictionary<,>)));
            foreach (var setting in leaf ? [path] : Settings(t, path))
            {
                yield return setting;
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Vault.sln not found above " + AppContext.BaseDirectory);
    }
}
