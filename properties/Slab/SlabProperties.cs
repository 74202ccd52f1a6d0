using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The slab allocator's properties, by conformance level. Each runs generated scenarios with the implementation
/// and the model in lockstep, each on its own buddy allocator: the implementation on the fast buddy allocator and
/// the model on the buddy model (which adopts the implementation's pages), and the other way round (both buddy
/// sides then pick the lowest address). A failure prints the seed, the shrunk scenario, the step and the rule.
/// </summary>
public sealed class SlabProperties(ITestOutputHelper output)
{
    private const int Cases = 100;

    /// <summary>Which buddy allocator each side runs on: "impl-on-buddy-impl" or "impl-on-buddy-model".</summary>
    public static TheoryData<string> Stacks => new() { "impl-on-buddy-impl", "impl-on-buddy-model" };

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Level1_safe_impl_agrees_with_model_objects_never_overlap_and_invariants_hold(string stack) =>
        CheckWithTally(tally => Lockstepped(Impl(stack), SlabChecks.Safe, tally, ModelPages(stack)));

    [Fact]
    public void Level2_live_allocation_fails_only_when_cache_and_buddy_are_exhausted() =>
        CheckWithTally(tally => Lockstepped(Impl("impl-on-buddy-impl"), SlabChecks.Live, tally));

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Level2_live_freeing_everything_and_shrinking_restores_the_buddy_free_areas(string stack) =>
        PropertyRunner.Check(output, FreeAllRestores(Impl(stack), ModelPages(stack)), Cases);

    [Fact]
    public void Level3_exact_partial_then_empty_then_new_slab_constructor_once_linux_size_classes() =>
        CheckWithTally(tally => Lockstepped(Impl("impl-on-buddy-impl"), SlabChecks.Exact, tally));

    /// <summary>The lockstep property for any implementation: the conformance kit's entry point.</summary>
    public static Property Lockstepped(
        Func<MemoryLayout, ISlabAllocator> create,
        SlabChecks checks,
        ScenarioTally? tally = null,
        Func<MemoryLayout, IBuddyAllocator>? modelPages = null) =>
        Prop.ForAll(SlabGen.Scenarios(), scenario =>
        {
            SlabLockstep Subject() =>
                new(create(scenario.Layout), new SlabModel((modelPages ?? BuddyModelPages)(scenario.Layout)), checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run.Scenarios);
            return Report(run, scenario);
        });

    /// <summary>
    /// Level 2: after any scenario, freeing every object and shrinking every cache gives back exactly the initial free
    /// areas.
    /// </summary>
    public static Property FreeAllRestores(
        Func<MemoryLayout, ISlabAllocator> create, Func<MemoryLayout, IBuddyAllocator>? modelPages = null) =>
        Prop.ForAll(SlabGen.Scenarios(), scenario =>
        {
            SlabLockstep Subject(ISlabAllocator impl) =>
                new(impl, new SlabModel((modelPages ?? BuddyModelPages)(scenario.Layout)), SlabChecks.Safe);
            var impl = create(scenario.Layout);
            var initial = impl.Snapshot();
            var subject = Subject(impl);
            var run = LockstepRunner.Run(subject, scenario.Steps, () => Subject(create(scenario.Layout)));
            if (run.Failure is not null)
            {
                return Report(run, scenario);
            }

            var violation = subject.FreeAllAndShrink(new StepLog());
            var after = impl.Snapshot();
            var diff = after.Pages.DiffFrom(initial.Pages)
                ?? (after.Caches.Any(c => !c.Slabs.IsEmpty) || !after.Large.IsEmpty ? $"slabs remain: {after}" : null);
            return (violation is null && diff is null)
                .Label($"rule broken: {violation?.Rule ?? SlabRules.RestoresInitial}\n{violation?.Detail ?? diff}")
                .Classify(after.Pages.Allocated.IsEmpty && run.Steps > 0, "freed everything after a non-empty run");
        });

    private static IBuddyAllocator BuddyModelPages(MemoryLayout layout) => new BuddyModel(layout);

    private static Func<MemoryLayout, ISlabAllocator> Impl(string stack) => stack == "impl-on-buddy-impl"
        ? layout => new SlabAllocator(new BuddyAllocator(layout))
        : layout => new SlabAllocator(new BuddyModel(layout));

    private static Func<MemoryLayout, IBuddyAllocator> ModelPages(string stack) => stack == "impl-on-buddy-impl"
        ? BuddyModelPages
        : layout => new BuddyAllocator(layout, Placement.LowestAddress);

    private void CheckWithTally(Func<ScenarioTally, Property> property, [CallerMemberName] string testName = "") =>
        ScenarioReport.CheckWithTally(output, SlabLockstep.AllScenarios, property, Cases, testName);

    private static Property Report(LockstepRun run, SlabScenario scenario) =>
        ScenarioReport.Verdict(run, SlabLockstep.AllScenarios, scenario.InvalidShare);
}
