using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// Level 1 for a paging system: subclass, override <see cref="Create"/> (and <see cref="Format"/> for another
/// format than 4-level), and generated scenarios (address spaces, mmap, munmap, mprotect, brk, accesses and faults,
/// vmalloc, vfree, page migration) run in lockstep with the model: every access returns the model's value or typed
/// fault, every frame has one owner, every entry lies inside a VMA with its rights, bad input changes nothing.
/// <code>
/// public sealed class MyPagingConforms(ITestOutputHelper output) : PagingSafeSpecification(output)
/// {
///     protected override IPagingSystem Create(PagingFormat format, MemoryLayout layout) =>
///         new MyPaging(format, layout);
/// }
/// </code>
/// </summary>
public abstract class PagingSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>The format the paging system translates: 2-level, 4-level (the default) or 5-level.</summary>
    protected virtual PagingFormat Format => PagingFormat.FourLevel;

    /// <summary>
    /// A fresh paging system of <paramref name="format"/> on a fresh buddy allocator over the layout.
    /// </summary>
    protected abstract IPagingSystem Create(PagingFormat format, MemoryLayout layout);

    /// <summary>Generated scenarios per property.</summary>
    protected virtual int Cases => 60;

    [Fact]
    public void Level1_safe_every_access_agrees_with_the_model_frames_have_one_owner_bad_input_changes_nothing() =>
        CheckWithTally(PagingLockstep.AllScenarios, PagingLockstep.Coverage(Level.Safe),
            tally => Lockstepped(Format, Create, Level.Safe, tally),
            Cases);

    /// <summary>The lockstep property for any paging system and group of checks: what every test here runs.</summary>
    public static Property Lockstepped(PagingFormat format, Func<PagingFormat, MemoryLayout, IPagingSystem> create,
        Level checks, ScenarioTally? tally = null) =>
        Prop.ForAll(PagingGen.Scenarios(format), scenario =>
        {
            PagingLockstep Subject() =>
                new(create(format, scenario.Layout), new PagingModel(format, new BuddyModel(scenario.Layout)), checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
            return ScenarioReport.Verdict(run, PagingLockstep.AllScenarios, scenario.InvalidShare);
        });

    /// <summary>Level 2: after any scenario, destroying every address space and freeing every vmalloc area gives back
    /// exactly the initial free areas.</summary>
    public static Property TearDownRestores(PagingFormat format,
        Func<PagingFormat, MemoryLayout, IPagingSystem> create) =>
        Prop.ForAll(PagingGen.Scenarios(format), scenario =>
        {
            PagingLockstep Subject(IPagingSystem impl) =>
                new(impl, new PagingModel(format, new BuddyModel(scenario.Layout)), Level.Safe);
            var impl = create(format, scenario.Layout);
            var initial = impl.Snapshot().Pages;
            var subject = Subject(impl);
            var run = LockstepRunner.Run(subject, scenario.Steps, () => Subject(create(format, scenario.Layout)));
            if (run.Failure is not null)
            {
                return ScenarioReport.Verdict(run, PagingLockstep.AllScenarios, scenario.InvalidShare);
            }

            var violation = subject.TearDown(new StepLog());
            var after = impl.Snapshot();
            var diff = Teardown.LeftBehind(initial, after.Pages, PagingInvariants.Owners(after))
                ?? (after.Spaces.IsEmpty && after.Cache.IsEmpty ? null
                : $"left behind: {after.Spaces.Length} address spaces, {after.Cache.Length} page-cache pages");
            return ScenarioReport.TeardownVerdict(run.Steps, violation, PagingRules.RestoresInitial, diff,
                    "destroy every address space, free every vmalloc area")
                .Classify(run.Steps > 10, "torn down after 10+ steps");
        });
}

/// <summary>
/// Level 2 for a paging system, level 1 included: destroying every address space and freeing every vmalloc area
/// gives back the initial free areas and an empty page cache.
/// </summary>
public abstract class PagingLiveSpecification(ITestOutputHelper output) : PagingSafeSpecification(output)
{
    public override Level Level => Level.Live;

    [Fact]
    public void Level2_live_destroying_every_address_space_and_vfreeing_restores_the_free_areas() =>
        Check(TearDownRestores(Format, Create), Cases);
}

/// <summary>
/// Level 3 for a paging system, levels 1 and 2 included: the same tables, entries (accessed and dirty bits too),
/// VMAs, page cache, RSS counters and VmPTE bytes as the model after every step.
/// </summary>
public abstract class PagingExactSpecification(ITestOutputHelper output) : PagingLiveSpecification(output)
{
    public override Level Level => Level.Exact;

    [Fact]
    public void Level3_exact_same_tables_entries_and_vmpte_bytes_as_the_model() =>
        CheckWithTally(PagingLockstep.AllScenarios, PagingLockstep.Coverage(Level.All),
            tally => Lockstepped(Format, Create, Level.All, tally),
            Cases);
}
