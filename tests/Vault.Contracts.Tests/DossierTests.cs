using System.Text.RegularExpressions;

namespace Vault.Contracts.Tests;

/// <summary>
/// Keeps the security dossier (SECURITY.md, security/*.md) honest: every pointer it makes must lead somewhere.
/// Notation, in backticks: a repository path (`src/Vault.Server/Consent/FamilyAccess.cs`), optionally with a symbol
/// declared there (`src/Vault.Server/Consent/FamilyAccess.cs#FamilyAccess.ScopeAsync`: the first part a type declared
/// in that file, the rest identifiers in its code); a test as `TestClass.Method_Scenario_Expected` (a [Fact] or
/// [Theory] of that class or one of its base classes under tests/). Tables with a Code and a Test column (the threat
/// model's STRIDE tables, the DPIA's measures) need at least one valid pointer of each kind in every row.
/// </summary>
public sealed partial class DossierTests
{
    private static readonly string Root = FindRoot();
    private static readonly string[] PathRoots = ["src/", "tests/", "clients/", "security/", "compose/", "docs/"];
    private static readonly string[] RootFiles = ["README.md", "SECURITY.md", "Directory.Packages.props", "Directory.Build.props", "Vault.sln", "test.sh", "global.json"];

    public static TheoryData<string> DossierFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Dossier())
        {
            data.Add(file);
        }
        return data;
    }

    [Fact]
    public void Dossier_Files_IncludeTheThreatModelAndTheDpia()
    {
        var files = Dossier();
        Assert.Contains("SECURITY.md", files);
        Assert.Contains("security/threat-model.md", files);
        Assert.Contains("security/dpia.md", files);
    }

    [Theory]
    [MemberData(nameof(DossierFiles))]
    public void References_EveryPathSymbolAndTest_Exists(string file)
    {
        var tests = TestIndex.Load(Root);
        var problems = new List<string>();
        var references = 0;
        foreach (var (line, token) in Tokens(file))
        {
            var kind = Check(token, tests, out var problem);
            if (kind != Kind.None)
            {
                references++;
            }
            if (problem is not null)
            {
                problems.Add($"{file}:{line}: `{token}`: {problem}");
            }
        }
        Assert.True(references > 0, $"{file} points at no code and no test");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DossierFiles))]
    public void Tables_EveryRowWithCodeAndTestColumns_PointsAtBoth(string file)
    {
        var tests = TestIndex.Load(Root);
        var problems = new List<string>();
        foreach (var (line, code, test) in CodeTestRows(file))
        {
            if (!Backticked(code).Any(t => Check(t, tests, out var p) == Kind.Code && p is null))
            {
                problems.Add($"{file}:{line}: no valid code pointer in the Code column");
            }
            if (!Backticked(test).Any(t => Check(t, tests, out var p) == Kind.Test && p is null))
            {
                problems.Add($"{file}:{line}: no valid test pointer in the Test column");
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Check_BrokenPathSymbolOrTest_Reported()
    {
        // The checker itself must be able to fail: each of these is a pointer that leads nowhere.
        var tests = TestIndex.Load(Root);
        string?[] problems =
        [
            Problem("src/Vault.Server/Consent/NoSuchFile.cs", tests),
            Problem("src/Vault.Server/Consent/FamilyAccess.cs#NoSuchType", tests),
            Problem("src/Vault.Server/Consent/FamilyAccess.cs#FamilyAccess.NoSuchMember", tests),
            Problem("ConsentTests.NoSuch_Test_Exists", tests),
            Problem("NoSuchTests.Some_Test_Name", tests),
            Problem("Consent/FamilyAccess.cs", tests),
        ];
        Assert.All(problems, Assert.NotNull);
        Assert.Null(Problem("src/Vault.Server/Consent/FamilyAccess.cs#FamilyAccess.ScopeAsync", tests));
        Assert.Null(Problem("DataSubjectTests.Erase_LegalHold_RefusedWithGroundShownToRequester", tests));
    }

    private enum Kind { None, Code, Test }

    private static string? Problem(string token, TestIndex tests)
    {
        Check(token, tests, out var problem);
        return problem;
    }

    private static Kind Check(string token, TestIndex tests, out string? problem)
    {
        problem = null;
        var test = TestReference().Match(token);
        if (test.Success)
        {
            if (!tests.Has(test.Groups[1].Value, test.Groups[2].Value))
            {
                problem = "no such test ([Fact]/[Theory] of that class or its bases under tests/)";
            }
            return Kind.Test;
        }
        var hash = token.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? token : token[..hash];
        if (PathRoots.Any(r => path.StartsWith(r, StringComparison.Ordinal)) || RootFiles.Contains(path))
        {
            var full = Path.Combine(Root, path);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                problem = "no such file or directory";
            }
            else if (hash >= 0)
            {
                problem = SymbolProblem(full, token[(hash + 1)..]);
            }
            return Kind.Code;
        }
        if (ShorthandPath().IsMatch(token) || token.Contains(".cs#", StringComparison.Ordinal) || token.EndsWith(".cs", StringComparison.Ordinal))
        {
            problem = "write the path from the repository root (src/…, tests/…, clients/…)";
            return Kind.Code;
        }
        return Kind.None;
    }

    private static string? SymbolProblem(string file, string symbol)
    {
        if (!File.Exists(file))
        {
            return "a symbol needs a file, not a directory";
        }
        var code = string.Join('\n', File.ReadLines(file).Select(l => LineComment().Replace(l, "")));
        var parts = symbol.Split('.');
        if (parts.Any(p => !Identifier().IsMatch(p)))
        {
            return $"'{symbol}' is not Type or Type.Member";
        }
        if (!Regex.IsMatch(code, $@"\b(class|record|struct|interface|enum)\s+{parts[0]}\b"))
        {
            return $"no type {parts[0]} declared in the file";
        }
        var missing = parts.Skip(1).FirstOrDefault(p => !Regex.IsMatch(code, $@"\b{p}\b"));
        return missing is null ? null : $"no {missing} in the file's code";
    }

    private static List<string> Dossier()
    {
        var files = new List<string> { "SECURITY.md" };
        files.AddRange(Directory.GetFiles(Path.Combine(Root, "security"), "*.md")
            .Select(f => "security/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));
        return files;
    }

    private static IEnumerable<(int Line, string Token)> Tokens(string file)
    {
        var fenced = false;
        var number = 0;
        foreach (var line in File.ReadLines(Path.Combine(Root, file)))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }
            if (!fenced)
            {
                foreach (var token in Backticked(line))
                {
                    yield return (number, token);
                }
            }
        }
    }

    private static IEnumerable<string> Backticked(string text) =>
        Backtick().Matches(text).Select(m => m.Groups[1].Value.Trim());

    /// <summary>Rows of tables whose header names a Code and a Test column, with those two cells.</summary>
    private static IEnumerable<(int Line, string Code, string Test)> CodeTestRows(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, file));
        int codeColumn = -1, testColumn = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (!line.StartsWith('|'))
            {
                codeColumn = testColumn = -1;
                continue;
            }
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (codeColumn < 0 && i + 1 < lines.Length && lines[i + 1].TrimStart().StartsWith("| ---", StringComparison.Ordinal))
            {
                codeColumn = Array.IndexOf(cells, "Code");
                testColumn = Array.IndexOf(cells, "Test");
                if (codeColumn < 0 || testColumn < 0)
                {
                    codeColumn = testColumn = int.MaxValue; // a table without both columns: nothing to check
                }
                i++;
                continue;
            }
            if (codeColumn != int.MaxValue && codeColumn >= 0)
            {
                yield return (i + 1, cells.ElementAtOrDefault(codeColumn) ?? "", cells.ElementAtOrDefault(testColumn) ?? "");
            }
        }
    }

    private static string FindRoot()
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

    /// <summary>Test methods per class under tests/, with each class's base class.</summary>
    private sealed partial class TestIndex
    {
        private static TestIndex? loaded;
        private readonly Dictionary<string, HashSet<string>> methods = [];
        private readonly Dictionary<string, string> bases = [];

        public static TestIndex Load(string root)
        {
            if (loaded is not null)
            {
                return loaded;
            }
            var index = new TestIndex();
            var sources = Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            foreach (var file in sources)
            {
                var text = File.ReadAllText(file);
                var classes = ClassDeclaration().Matches(text).ToList();
                foreach (var c in classes.Where(c => c.Groups[2].Success))
                {
                    index.bases.TryAdd(c.Groups[1].Value, c.Groups[2].Value);
                }
                var spans = classes.Select(c => (Name: c.Groups[1].Value, Start: c.Index, End: BodyEnd(text, c.Index))).ToList();
                foreach (Match test in TestMethod().Matches(text))
                {
                    // A method belongs to the innermost class whose body holds it (braces counted, as C# nests them).
                    var owner = spans.Where(c => c.Start < test.Index && test.Index < c.End).Select(c => c.Name).LastOrDefault();
                    if (owner is not null)
                    {
                        var set = index.methods.TryGetValue(owner, out var s) ? s : index.methods[owner] = [];
                        set.Add(test.Groups[1].Value);
                    }
                }
            }
            return loaded = index;
        }

        /// <summary>Where the body of the class declared at <paramref name="start"/> closes (the end of the text if it never does).</summary>
        private static int BodyEnd(string text, int start)
        {
            var open = text.IndexOf('{', start);
            var semicolon = text.IndexOf(';', start);
            if (open < 0 || (semicolon >= 0 && semicolon < open))
            {
                return start; // a record without a body
            }
            for (int i = open, depth = 0; i < text.Length; i++)
            {
                depth += text[i] switch { '{' => 1, '}' => -1, _ => 0 };
                if (depth == 0)
                {
                    return i;
                }
            }
            return text.Length;
        }

        public bool Has(string type, string method)
        {
            for (var (t, depth) = (type, 0); t is not null && depth < 10; t = bases.GetValueOrDefault(t), depth++)
            {
                if (methods.TryGetValue(t, out var set) && set.Contains(method))
                {
                    return true;
                }
            }
            return false;
        }

        [GeneratedRegex(@"\bclass\s+(\w+)\b(?:[^:{;]*:\s*(\w+))?")]
        private static partial Regex ClassDeclaration();

        [GeneratedRegex(@"\[(?:Fact|Theory)\b[^\n]*\n(?:\s*\[[^\n]*\n)*\s*public\s+(?:async\s+)?(?:Task|void)\s+(\w+)\s*\(")]
        private static partial Regex TestMethod();
    }

    [GeneratedRegex(@"^([A-Z]\w*)\.([A-Z]\w*_\w+)$")]
    private static partial Regex TestReference();

    [GeneratedRegex(@"^[A-Z][A-Za-z]+/[A-Za-z]")]
    private static partial Regex ShorthandPath();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Backtick();

    [GeneratedRegex(@"^[A-Za-z_]\w*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(^|\s)//.*$")]
    private static partial Regex LineComment();
}
