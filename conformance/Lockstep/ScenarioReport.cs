using System.Runtime.CompilerServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Core;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

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

    /// <summary>
    /// The verdict of a teardown property (level 2: everything freed after the run gives back the initial state): the
    /// rule the teardown's own steps broke, else <paramref name="left"/>, what was left behind, under
    /// <paramref name="rule"/>. A failure is recorded for its JSON trace (<see cref="Counterexample"/>).
    /// </summary>
    public static Property TeardownVerdict(int steps, Violation? violation, string rule, string? left, string teardown)
    {
        var broken = violation ?? (left is null ? null : new Violation(rule, left));
        if (broken is not null)
        {
            Counterexample.Record(new LockstepFailure(steps, teardown, broken, []));
        }

        return (broken is null).Label($"rule broken: {broken?.Rule ?? rule}\n{broken?.Detail}");
    }

    /// <summary>Checks a property that tallies scenarios, then prints the tally.</summary>
    public static void CheckWithTally(ITestOutputHelper output, IEnumerable<string> scenarios,
        Func<ScenarioTally, Property> property, int cases, [CallerMemberName] string testName = "",
        [CallerFilePath] string sourceFile = "") =>
        CheckWithTally(output, new ScenarioTally(scenarios), property, cases, testName, sourceFile);

    /// <summary>
    /// Checks a property that tallies scenarios and rule coverage (<paramref name="tally"/>, made with the rules
    /// expected to be tested), then prints the tally.
    /// </summary>
    public static void CheckWithTally(ITestOutputHelper output, ScenarioTally tally,
        Func<ScenarioTally, Property> property, int cases, [CallerMemberName] string testName = "",
        [CallerFilePath] string sourceFile = "")
    {
        PropertyRunner.Check(output, property(tally), cases, testName: testName, sourceFile: sourceFile);
        output.WriteLine(tally.ToString());
    }
}
