using System.Runtime.CompilerServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// What every component's lockstep properties share: the printed scenario, the verdict, its statistics.
/// </summary>
public static class ScenarioReport
{
    /// <summary>A machine and its steps, one call per line: what a failing property prints.</summary>
    public static string Format<TStep>(object machine, IReadOnlyList<TStep> steps)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(machine.ToString());
        for (var i = 0; i < steps.Count; i++)
        {
            text.AppendLine($"  {i,3}: {steps[i]}");
        }

        return text.ToString();
    }

    /// <summary>The run's verdict, labelled with its failure, classified by the scenarios it reached.</summary>
    public static Property Verdict(LockstepRun run, IEnumerable<string> scenarios, double invalidShare)
    {
        var property = (run.Failure is null).Label(run.Failure?.ToString() ?? "ok");
        foreach (var scenario in scenarios)
        {
            property = property.Classify(run.Scenarios.Contains(scenario), scenario);
        }

        return property.Classify(invalidShare >= 0.05, "invalid steps >= 5% of the sequence");
    }

    /// <summary>Checks a property that tallies scenarios, then prints the tally.</summary>
    public static void CheckWithTally(ITestOutputHelper output, IEnumerable<string> scenarios,
        Func<ScenarioTally, Property> property, int cases, [CallerMemberName] string testName = "",
        [CallerFilePath] string sourceFile = "")
    {
        var tally = new ScenarioTally(scenarios);
        PropertyRunner.Check(output, property(tally), cases, testName: testName, sourceFile: sourceFile);
        output.WriteLine(tally.ToString());
    }
}
