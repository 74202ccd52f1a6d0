using System.Runtime.CompilerServices;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>A failure's replay command names the test project by its directory, so it runs from anywhere.</summary>
public sealed class OutputRunnerTests(ITestOutputHelper output)
{
    [Fact]
    public void The_project_of_a_test_is_the_nearest_directory_up_with_a_project_file()
    {
        var project = OutputRunner.ProjectOf(ThisFile());
        Assert.True(File.Exists(Path.Combine(project, "MMSpec.Properties.csproj")), project);
    }

    [Fact]
    public void Sources_that_are_not_where_they_were_built_replay_from_the_current_directory() =>
        Assert.Equal(".", OutputRunner.ProjectOf("/no/such/tree/Tests/SomeTests.cs"));

    [Fact]
    public void A_failing_property_prints_a_replay_command_with_its_seed_project_and_test()
    {
        var failure = Assert.Throws<PropertyFailedException>(() =>
            PropertyRunner.Check(output, Prop.ForAll<int>(_ => false), 50));
        var replay = failure.Message.Split('\n').Single(line => line.StartsWith("replay: ", StringComparison.Ordinal));
        var project = OutputRunner.ProjectOf(ThisFile());
        Assert.Matches(
            $"^replay: {PropertyRunner.ReplayVariable}=\"\\d+,\\d+\" dotnet test \"{Regex(project)}\" --filter "
            + "\"FullyQualifiedName~A_failing_property_prints_a_replay_command_with_its_seed_project_and_test\"$",
            replay);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
