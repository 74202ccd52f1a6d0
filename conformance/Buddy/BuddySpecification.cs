using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;
using MMSpec.Model.Buddy;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// Level 1 for a buddy allocator: subclass, override <see cref="Create"/>, and every step of generated scenarios is
/// checked in lockstep with the model (the model permits the result, the invariants hold on both sides, bad input
/// changes nothing, the snapshots agree once the model adopted the allocator's choice of block).
/// <code>
/// public sealed class MyBuddyConforms(ITestOutputHelper output) : BuddySafeSpecification(output)
/// {
///     protected override IBuddyAllocator Create(MemoryLayout layout) => new MyBuddy(layout);
/// }
/// </code>
/// </summary>
public abstract class BuddySafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>A fresh allocator over <paramref name="layout"/>, every frame free but the reserved ones.</summary>
    protected abstract IBuddyAllocator Create(MemoryLayout layout);

    /// <summary>Generated scenarios per property.</summary>
    protected virtual int Cases => 150;

    [Fact]
    public void Level1_safe_impl_agrees_with_model_and_keeps_invariants() =>
        CheckWithTally(BuddyLockstep.AllScenarios, BuddyLockstep.Coverage(Level.Safe),
            tally => Lockstepped(Create, Level.Safe, tally), Cases);

    /// <summary>The lockstep property for any allocator and group of checks: what every test here runs.</summary>
    public static Property Lockstepped(Func<MemoryLayout, IBuddyAllocator> create, Level checks,
        ScenarioTally? tally = null) =>
        Prop.ForAll(BuddyGen.Scenarios(), scenario =>
        {
            BuddyLockstep Subject() => new(create(scenario.Layout), new BuddyModel(scenario.Layout), checks);
            var run = Pipelined.Check(() => LockstepRunner.Run(Subject(), scenario.Steps, Subject));
            tally?.Add(run);
            return Report(run, scenario);
        });

    /// <summary>
    /// Level 2: after any scenario, freeing every live block gives back exactly the initial free areas.
    /// </summary>
    public static Property FreeAllRestores(Func<MemoryLayout, IBuddyAllocator> create) =>
        Prop.ForAll(BuddyGen.Scenarios(), scenario => Pipelined.Check(() =>
        {
            var impl = create(scenario.Layout);
            var initial = impl.Snapshot();
            var subject = new BuddyLockstep(impl, new BuddyModel(scenario.Layout), Level.Safe);
            var run = LockstepRunner.Run(subject, scenario.Steps,
                () => new BuddyLockstep(create(scenario.Layout), new BuddyModel(scenario.Layout), Level.Safe));
            if (run.Failure is not null)
            {
                return Report(run, scenario);
            }

            var violation = subject.FreeAll(new StepLog());
            var diff = Teardown.LeftBehind(initial, impl.Snapshot(), []);
            return ScenarioReport.TeardownVerdict(run.Steps, violation, BuddyRules.RestoresInitial, diff,
                    "free every live block")
                .Classify(run.Steps > 0, "freed everything after a non-empty run");
        }));

    private static Property Report(LockstepRun run, BuddyScenario scenario) =>
        ScenarioReport.Verdict(run, BuddyLockstep.AllScenarios, scenario.InvalidShare);
}

/// <summary>
/// Level 2 for a buddy allocator, level 1 included: a request succeeds exactly when an aligned run of free frames
/// of its order lies in an allowed zone, and freeing everything gives back the initial free areas.
/// </summary>
public abstract class BuddyLiveSpecification(ITestOutputHelper output) : BuddySafeSpecification(output)
{
    public override Level Level => Level.Live;

    [Fact]
    public void Level2_live_request_succeeds_iff_a_free_aligned_block_exists() =>
        CheckWithTally(BuddyLockstep.AllScenarios, BuddyLockstep.Coverage(Level.Live),
            tally => Lockstepped(Create, Level.Live, tally), Cases);

    [Fact]
    public void Level2_live_freeing_everything_restores_the_initial_free_areas() =>
        Check(FreeAllRestores(Create), Cases);
}

/// <summary>
/// Level 3 for a buddy allocator, levels 1 and 2 included: the per-zone, per-order free-area counts change exactly as
/// Linux's __rmqueue_smallest, expand and __free_one_page change them.
/// </summary>
public abstract class BuddyExactSpecification(ITestOutputHelper output) : BuddyLiveSpecification(output)
{
    public override Level Level => Level.Exact;

    [Fact]
    public void Level3_exact_free_area_counts_follow_linux_step_for_step() =>
        CheckWithTally(BuddyLockstep.AllScenarios, BuddyLockstep.Coverage(Level.Exact),
            tally => Lockstepped(Create, Level.Exact, tally), Cases);
}
