using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>
/// The error precedence tables in docs/ are the model's, rendered: each sits between
/// <c>&lt;!-- precedence: OPERATION --&gt;</c> and <c>&lt;!-- /precedence --&gt;</c> in its component's file. The test
/// fails when one differs; with MMSPEC_WRITE_DOCS=1 it writes the model's tables into the files instead.
/// </summary>
public sealed class PrecedenceDocsTests
{
    public const string WriteVariable = "MMSPEC_WRITE_DOCS";

    /// <summary>Every operation's precedence, by the docs file that shows it.</summary>
    public static TheoryData<string, string> Tables()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, precedence) in All)
        {
            data.Add(file, precedence.Operation);
        }

        return data;
    }

    private static IReadOnlyList<(string File, ErrorPrecedence Precedence)> All { get; } =
    [
        ("buddy.md", BuddyModel.AllocPrecedence),
        ("buddy.md", BuddyModel.FreePrecedence),
        ("slab.md", SlabModel.CreatePrecedence),
        ("slab.md", SlabModel.FreePrecedence),
        ("slab.md", SlabModel.DestroyPrecedence),
        ("paging.md", VmaPlan.MmapPrecedence),
        ("paging.md", VmaPlan.MunmapPrecedence),
        ("paging.md", VmaPlan.MprotectPrecedence),
    ];

    [Theory]
    [MemberData(nameof(Tables))]
    public void The_docs_table_is_the_models_precedence(string file, string operation)
    {
        var path = Path.Combine(Docs(), file);
        var text = File.ReadAllText(path);
        var precedence = All.Single(t => t.File == file && t.Precedence.Operation == operation).Precedence;
        var section = Section(operation);
        var match = section.Match(text);
        Assert.True(match.Success, $"{file} has no section <!-- precedence: {operation} --> ... <!-- /precedence -->");
        var expected = precedence.ToMarkdown();
        if (match.Groups["table"].Value == expected)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            File.WriteAllText(path,
                section.Replace(text, m => m.Groups["open"].Value + expected + m.Groups["close"].Value));
            return;
        }

        Assert.Fail($"{file}, {operation}: the table is not the model's; {WriteVariable}=1 rewrites it. The model's:\n"
            + expected);
    }

    private static Regex Section(string operation) =>
        new($"(?<open><!-- precedence: {Regex.Escape(operation)} -->\\n)(?<table>.*?)(?<close><!-- /precedence -->)",
            RegexOptions.Singleline);

    /// <summary>The repository's docs/ folder, found from this source file.</summary>
    private static string Docs([CallerFilePath] string source = "") =>
        Path.Combine(OutputRunner.ProjectOf(source), "..", "docs");
}
