using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Reclaim;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// Level 1 for reclaim, swap, writeback and compaction: subclass, override <see cref="Create"/>, and generated
/// scenarios (address spaces with anonymous, file and shmem mappings outgrowing memory, reclaim, swap areas coming and
/// going, fork, writeback, kernel allocations and compaction) run against the oracle of what every page must hold:
/// no data is ever lost, every frame has one owner, swap counts equal their references, the LRU lists match the
/// flags, no TLB entry outlives its PTE, anonymous pages stay without swap, bad input changes nothing.
/// <code>
/// public sealed class MyReclaimConforms(ITestOutputHelper output) : ReclaimSafeSpecification(output)
/// {
///     protected override IReclaimSystem Create(ReclaimConfig config) => new MyReclaim(config);
/// }
/// </code>
/// </summary>
public abstract class ReclaimSafeSpecification(ITestOutputHelper output) : Specification(output)
{
    public override Level Level => Level.Safe;

    /// <summary>A fresh reclaim system for <paramref name="config"/>.</summary>
    protected abstract IReclaimSystem Create(ReclaimConfig config);

    /// <summary>Generated scenarios per property.</summary>
    protected virtual int Cases => 60;

    [Fact]
    public void Level1_safe_no_data_lost_one_owner_per_frame_swap_counts_and_tlb_coherent() =>
        CheckWithTally(ReclaimLockstep.AllScenarios, ReclaimLockstep.Coverage(Level.Safe),
            tally => Lockstepped(Create, Level.Safe, tally), Cases);

    /// <summary>The lockstep property for any reclaim system and group of checks: what every test here runs.</summary>
    public static Property Lockstepped(Func<ReclaimConfig, IReclaimSystem> create, Level checks,
        ScenarioTally? tally = null) =>
        Prop.ForAll(ReclaimGen.Scenarios(), scenario =>
        {
            ReclaimLockstep Subject() => new(create(scenario.Config),
                checks.HasFlag(Level.Exact) ? new ReclaimModel(scenario.Config) : null, checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run);
            return ScenarioReport.Verdict(run, ReclaimLockstep.AllScenarios, scenario.InvalidShare);
        });
}

/// <summary>
/// Level 2 for reclaim, level 1 included: direct reclaim frees something whenever a folio is reclaimable (clean,
/// unpinned, not under writeback, and anonymous only with swap to go to), everything swapped out comes back with its
/// contents and the same free areas, and compaction makes the block where the pages allow it.
/// </summary>
public abstract class ReclaimLiveSpecification(ITestOutputHelper output) : ReclaimSafeSpecification(output)
{
    public override Level Level => Level.Live;

    [Fact]
    public void Level2_live_reclaim_frees_whenever_a_page_is_reclaimable() =>
        CheckWithTally(ReclaimLockstep.AllScenarios, ReclaimLockstep.Coverage(Level.Live),
            tally => Lockstepped(Create, Level.Live, tally), Cases);

    /// <summary>
    /// swap-round-trip: every anonymous and shmem page paged out to swap and brought back (by swapoff or by faults)
    /// reads back as written, through another CPU, every slot free again and the free areas as they were.
    /// </summary>
    [Fact]
    public void Level2_live_everything_swapped_out_and_back_reads_back_with_the_same_free_areas() =>
        Check(SwapRoundTripHolds(Create), Cases);

    /// <summary>
    /// compaction-makes-the-block: where Linux 6.18's compact_zone must succeed (the first pageblock only movable
    /// folios and free pages, targets above, compaction_suitable met), it does, and the words read back.
    /// </summary>
    [Fact]
    public void Level2_live_compaction_makes_the_block_where_the_free_and_movable_pages_allow_it() =>
        Check(CompactionMakesTheBlockHolds(Create), Cases);

    /// <summary>The property swap-round-trip for any reclaim system: what the test of that rule runs.</summary>
    public static Property SwapRoundTripHolds(Func<ReclaimConfig, IReclaimSystem> create) =>
        Prop.ForAll(SwapRoundTrip.Arbitrary(), trip =>
        {
            var failure = trip.Run(create);
            return (failure is null).Label($"rule broken: {ReclaimRules.SwapRoundTrip}\n{failure}");
        });

    /// <summary>The property compaction-makes-the-block for any reclaim system: what that rule's test runs.</summary>
    public static Property CompactionMakesTheBlockHolds(Func<ReclaimConfig, IReclaimSystem> create) =>
        Prop.ForAll(CompactionBlock.Arbitrary(), scenario =>
        {
            var failure = scenario.Run(create);
            return (failure is null).Label($"rule broken: {ReclaimRules.CompactionMakesTheBlock}\n{failure}");
        });
}

/// <summary>
/// Level 3 for reclaim, levels 1 and 2 included: in lockstep with the model, every result and every state equal after
/// every step: get_scan_count's targets, every list move of shrink_folio_list and shrink_active_list, the costs, the
/// swap slots chosen, compaction's scanners and results, the /proc/vmstat events, as Linux 6.18.
/// </summary>
public abstract class ReclaimExactSpecification(ITestOutputHelper output) : ReclaimLiveSpecification(output)
{
    public override Level Level => Level.Exact;

    [Fact]
    public void Level3_exact_every_scan_list_move_swap_slot_and_compaction_as_linux() =>
        CheckWithTally(ReclaimLockstep.AllScenarios, ReclaimLockstep.Coverage(Level.Exact),
            tally => Lockstepped(Create, Level.Exact, tally), Cases);

    /// <summary>
    /// same-state-as-model on compaction-makes-the-block's scenarios: compact_zone's result, its scanners and
    /// counters, and the state after it and the reads, the model's.
    /// </summary>
    [Fact]
    public void Level3_exact_compaction_of_the_block_scenarios_ends_in_the_models_state() =>
        Check(CompactionAsTheModel(Create), Cases);

    /// <summary>The property of that test for any reclaim system.</summary>
    public static Property CompactionAsTheModel(Func<ReclaimConfig, IReclaimSystem> create) =>
        Prop.ForAll(CompactionBlock.Arbitrary(), scenario =>
        {
            var failure = scenario.RunAgainstModel(create);
            return (failure is null).Label($"rule broken: {SharedRules.SameState}\n{failure}");
        });
}
