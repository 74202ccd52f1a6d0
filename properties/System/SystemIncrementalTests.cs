using FsCheck.Fluent;
using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.MemorySystem.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// The whole system's fast pass (the reclaim invariants on every <c>FullCheckPeriod</c>-th step and the last) finds
/// what checking every step finds, on MMSpec's implementations composed and on every broken part.
/// </summary>
public sealed class SystemIncrementalTests(ITestOutputHelper output)
{
    private const int Cases = 10;

    public static TheoryData<string> Systems =>
        new(["ImplSystem", .. BrokenWholeSystemTests.Variants.Select(row => (string)row[0])]);

    [Theory]
    [MemberData(nameof(Systems))]
    public void Incremental_check_finds_exactly_what_the_full_check_finds(string system) =>
        PropertyRunner.Check(output, Prop.ForAll(SystemScenario.Arbitrary(), scenario =>
            IncrementalCheck.Agrees(
                () => new SystemLockstep(system == "ImplSystem" ? ImplSystem.Create(scenario.Config)
                    : BrokenWholeSystemTests.Create(system, scenario.Config), null, Level.Safe | Level.Live),
                scenario.Steps)), Cases);
}
