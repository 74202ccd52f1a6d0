using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Slab;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// Level 1 for a slab allocator: subclass, override <see cref="Create"/>, and generated scenarios (caches created and
/// destroyed, objects allocated, freed, read and written, kmalloc, shrink) run in lockstep with the model, each side
/// on its own buddy allocator: objects never overlap, every object lies in a slab of its cache, only live objects are
/// accepted, bad input changes nothing, the model permits every result, the snapshots agree.
/// <code>
/// public sealed class MySlabConforms(ITestOutputHelper output) : SlabSafeSpecification(output)
/// {
///     protected override ISlabAllocator Create(MemoryLayout layout) => new MySlab(new MyBuddy(layout));
/// }
/// </code>
/// </summary>
public abstract class SlabSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>A fresh slab allocator on a fresh buddy allocator over <paramref name="layout"/>.</summary>
    protected abstract ISlabAllocator Create(MemoryLayout layout);

    /// <summary>
    /// The buddy allocator the model's slab runs on: the buddy model by default, which adopts the pages the
    /// allocator under test chose.
    /// </summary>
    protected virtual IBuddyAllocator ModelPages(MemoryLayout layout) => new BuddyModel(layout);

    /// <summary>Generated scenarios per property.</summary>
    protected virtual int Cases => 100;

    [Fact]
    public void Level1_safe_impl_agrees_with_model_objects_never_overlap_and_invariants_hold() =>
        CheckWithTally(SlabLockstep.AllScenarios, SlabLockstep.Coverage(Level.Safe),
            tally => Lockstepped(Create, Level.Safe, tally, ModelPages),
            Cases);

    /// <summary>The lockstep property for any allocator and group of checks: what every test here runs.</summary>
    public static Property Lockstepped(Func<MemoryLayout, ISlabAllocator> create, Level checks,
        ScenarioTally? tally = null, Func<MemoryLayout, IBuddyAllocator>? modelPages = null) =>
        Prop.ForAll(SlabGen.Scenarios(), scenario =>
        {
            SlabLockstep Subject() =>
                new(create(scenario.Layout), new SlabModel((modelPages ?? BuddyModelPages)(scenario.Layout)), checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
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
                new(impl, new SlabModel((modelPages ?? BuddyModelPages)(scenario.Layout)), Level.Safe);
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
            var holders = SlabInvariants.Held(after).Select(h => (h.Block.Pfn, h.Owner));
            var diff = Teardown.LeftBehind(initial.Pages, after.Pages, holders)
                ?? (after.Caches.Any(c => !c.Slabs.IsEmpty) || !after.Large.IsEmpty ? $"slabs remain: {after}" : null);
            return ScenarioReport.TeardownVerdict(run.Steps, violation, SlabRules.RestoresInitial, diff,
                    "free every object, shrink every cache")
                .Classify(after.Pages.Allocated.IsEmpty && run.Steps > 0, "freed everything after a non-empty run");
        });

    private static BuddyModel BuddyModelPages(MemoryLayout layout) => new(layout);

    private static Property Report(LockstepRun run, SlabScenario scenario) =>
        ScenarioReport.Verdict(run, SlabLockstep.AllScenarios, scenario.InvalidShare);
}

/// <summary>
/// Level 2 for a slab allocator, level 1 included: an allocation fails only when the cache has no free object and
/// the buddy allocator no free block of the slab order; freeing and shrinking everything gives back the buddy
/// allocator's initial free areas.
/// </summary>
public abstract class SlabLiveSpecification(ITestOutputHelper output) : SlabSafeSpecification(output)
{
    public override Level Level => Level.Live;

    [Fact]
    public void Level2_live_allocation_fails_only_when_cache_and_buddy_are_exhausted() =>
        CheckWithTally(SlabLockstep.AllScenarios, SlabLockstep.Coverage(Level.Live),
            tally => Lockstepped(Create, Level.Live, tally, ModelPages),
            Cases);

    [Fact]
    public void Level2_live_freeing_everything_and_shrinking_restores_the_buddy_free_areas() =>
        Check(FreeAllRestores(Create, ModelPages), Cases);
}

/// <summary>
/// Level 3 for a slab allocator, levels 1 and 2 included: partial slabs first, then empty ones, then a new slab;
/// the constructor once per object of a new slab; Linux's kmalloc size classes.
/// </summary>
public abstract class SlabExactSpecification(ITestOutputHelper output) : SlabLiveSpecification(output)
{
    public override Level Level => Level.Exact;

    [Fact]
    public void Level3_exact_partial_then_empty_then_new_slab_constructor_once_linux_size_classes() =>
        CheckWithTally(SlabLockstep.AllScenarios, SlabLockstep.Coverage(Level.Exact),
            tally => Lockstepped(Create, Level.Exact, tally, ModelPages),
            Cases);
}
