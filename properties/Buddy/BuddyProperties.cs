using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// The buddy allocator's properties, by conformance level, for both placement policies of the implementation.
/// Each runs generated scenarios in lockstep with the model; a failure prints the seed, the shrunk scenario
/// (one call per line), the failing step and the broken rule.
/// </summary>
public sealed class BuddyProperties(ITestOutputHelper output)
{
    private const int Cases = 150;

    public static TheoryData<Placement> Placements => new() { Placement.HeadOfList, Placement.LowestAddress };

    [Theory]
    [MemberData(nameof(Placements))]
    public void Level1_safe_impl_agrees_with_model_and_keeps_invariants(Placement placement) =>
        CheckWithTally(tally => Lockstepped(layout => new BuddyAllocator(layout, placement), BuddyChecks.Safe, tally));

    [Theory]
    [MemberData(nameof(Placements))]
    public void Level2_live_request_succeeds_iff_a_free_aligned_block_exists(Placement placement) =>
        CheckWithTally(tally => Lockstepped(layout => new BuddyAllocator(layout, placement), BuddyChecks.Live, tally));

    [Theory]
    [MemberData(nameof(Placements))]
    public void Level2_live_freeing_everything_restores_the_initial_free_areas(Placement placement) =>
        PropertyRunner.Check(output, FreeAllRestores(layout => new BuddyAllocator(layout, placement)), Cases);

    [Theory]
    [MemberData(nameof(Placements))]
    public void Level3_exact_free_area_counts_follow_linux_step_for_step(Placement placement) =>
        CheckWithTally(tally => Lockstepped(layout => new BuddyAllocator(layout, placement), BuddyChecks.Exact, tally));

    [Fact]
    public void Lowest_address_impl_makes_the_models_default_choice_every_time() =>
        PropertyRunner.Check(output, Prop.ForAll(BuddyGen.Scenarios(), scenario =>
        {
            var impl = new BuddyAllocator(scenario.Layout, Placement.LowestAddress);
            var model = new BuddyModel(scenario.Layout);
            foreach (var step in scenario.Steps.OfType<Alloc>())
            {
                var chosen = impl.AllocPages(new Order(step.Order), step.Zone);
                var expected = model.AllocPages(new Order(step.Order), step.Zone);
                if (chosen != expected)
                {
                    return false.Label($"{step}: implementation chose {chosen}, model's lowest-address "
                        + $"default {expected}");
                }
            }

            return true.ToProperty();
        }), Cases);

    /// <summary>The lockstep property for any implementation: the conformance kit's entry point.</summary>
    public static Property Lockstepped(Func<MemoryLayout, IBuddyAllocator> create, BuddyChecks checks,
        ScenarioTally? tally = null) =>
        Prop.ForAll(BuddyGen.Scenarios(), scenario =>
        {
            BuddyLockstep Subject() => new(create(scenario.Layout), new BuddyModel(scenario.Layout), checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run.Scenarios);
            return Report(run, scenario);
        });

    /// <summary>
    /// Level 2: after any scenario, freeing every live block gives back exactly the initial free areas.
    /// </summary>
    public static Property FreeAllRestores(Func<MemoryLayout, IBuddyAllocator> create) =>
        Prop.ForAll(BuddyGen.Scenarios(), scenario =>
        {
            var impl = create(scenario.Layout);
            var initial = impl.Snapshot();
            var subject = new BuddyLockstep(impl, new BuddyModel(scenario.Layout), BuddyChecks.Safe);
            var run = LockstepRunner.Run(subject, scenario.Steps,
                () => new BuddyLockstep(create(scenario.Layout), new BuddyModel(scenario.Layout), BuddyChecks.Safe));
            if (run.Failure is not null)
            {
                return Report(run, scenario);
            }

            var log = new StepLog();
            var violation = subject.FreeAll(log);
            var diff = impl.Snapshot().DiffFrom(initial);
            return (violation is null && diff is null)
                .Label($"rule broken: {violation?.Rule ?? BuddyRules.RestoresInitial}\n{violation?.Detail ?? diff}")
                .Classify(run.Steps > 0, "freed everything after a non-empty run");
        });

    private void CheckWithTally(Func<ScenarioTally, Property> property, [CallerMemberName] string testName = "") =>
        ScenarioReport.CheckWithTally(output, BuddyLockstep.AllScenarios, property, Cases, testName);

    private static Property Report(LockstepRun run, BuddyScenario scenario) =>
        ScenarioReport.Verdict(run, BuddyLockstep.AllScenarios, scenario.InvalidShare);
}
