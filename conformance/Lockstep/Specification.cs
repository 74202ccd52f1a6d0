using System.Runtime.CompilerServices;
using FsCheck;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The base of every component's specification classes (BuddySafeSpecification, SlabExactSpecification, ...),
/// in the shape of Microsoft.Extensions.DependencyInjection.Specification.Tests: a test class subclasses one,
/// overrides its factory (and capability flags where the class has them) and gets each of its properties as an xunit
/// 2 test. Without xunit, <see cref="ConformanceRunner"/> runs the same tests and prints plain text. A failure names
/// the broken rule and prints the seed, the shrunk steps and a replay command for the test project the class is
/// built in.
/// </summary>
public abstract class Specification(ITestOutputHelper output)
{
    /// <summary>Where the statistics and the failure reports go: xunit's test output, or the runner's buffer.</summary>
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The level the class checks: the safe, live or exact class of its component.</summary>
    public abstract Level Level { get; }

    /// <summary>
    /// The test's name as the replay command filters on it: this class and the method, so a replay runs only the
    /// failing class's test when several classes inherit the same specification.
    /// </summary>
    protected string TestName(string method) => $"{GetType().Name}.{method}";

    /// <summary>
    /// The file the replay command's project is found from: the test assembly, built under the test project's
    /// bin directory, so the command works from the user's project and not only from MMSpec's.
    /// </summary>
    protected string TestAssembly => GetType().Assembly.Location;

    /// <summary>Checks a property, named for the calling test method.</summary>
    protected void Check(Property property, int cases, [CallerMemberName] string method = "") =>
        PropertyRunner.Check(Output, property, cases, testName: TestName(method), sourceFile: TestAssembly);

    /// <summary>
    /// Checks a property that tallies the scenarios it reached and the steps that put each of
    /// <paramref name="rules"/> to the test, then prints the tally.
    /// </summary>
    protected void CheckWithTally(IEnumerable<string> scenarios, IEnumerable<string> rules,
        Func<ScenarioTally, Property> property, int cases, [CallerMemberName] string method = "") =>
        ScenarioReport.CheckWithTally(Output, new ScenarioTally(scenarios, rules), property, cases, TestName(method),
            TestAssembly);
}

/// <summary>
/// The conformance levels (docs/README.md, "Conformance levels"): what a specification class checks
/// (<see cref="Specification.Level"/>), and as flags the groups of checks a lockstep run makes after each step.
/// </summary>
[Flags]
public enum Level
{
    /// <summary>
    /// Level 1: every result one the model permits, the invariants on both sides, bad input changes nothing, the
    /// snapshots agree once the model adopted the implementation's choices.
    /// </summary>
    Safe = 1,

    /// <summary>
    /// Level 2: no request refused that could succeed (buddy: a free aligned block of the order in an allowed zone;
    /// slab: a free object or a free block of the slab order), nothing leaked after a full teardown.
    /// </summary>
    Live = 2,

    /// <summary>
    /// Level 3: Linux's own choices and counts, step for step (buddy: the free-area counts of __rmqueue_smallest,
    /// expand and __free_one_page; slab: partial, then empty, then new slab, the constructor once, the kmalloc size
    /// classes; paging: the same tables, entries, VMAs, page cache, RSS and VmPTE bytes), and Linux's error
    /// precedence.
    /// </summary>
    Exact = 4,

    All = Safe | Live | Exact,
}
