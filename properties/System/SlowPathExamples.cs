using MMSpec.Conformance.MemorySystem;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;
using Xunit;

namespace MMSpec.Properties.MemorySystem;

/// <summary>
/// Worked runs of the slow path with the steps derived by hand from Linux 6.18's __alloc_pages_slowpath, on the
/// model and the implementation, each in a world whose answers are written out.
/// </summary>
public sealed class SlowPathExamples
{
    public static TheoryData<string> Sides => ["model", "impl"];

    private static ISlowPath Create(string side) => side == "model" ? new SlowPathModel() : new SlowPath();

    private static SlowPathScript World(int freelistFailures, OomOutcome[]? oom = null) =>
        new([.. Enumerable.Repeat(false, freelistFailures)], [], [], [], [], [.. oom ?? []]);

    private static string[] Text(SlowPathRun run) => [.. run.Steps.Select(s => s.ToString()), $"{run.Outcome}"];

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_atomic_wakes_kswapd_tries_the_reserves_twice_and_fails_without_reclaiming(string side)
    {
        var run = Create(side).Run(new SlowPathRequest(Gfp.Atomic, 0), new ScriptedWorld(World(10)));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(NonBlock, MinReserve, Kswapd) = NULL",
            "WakeKswapd", "get_page_from_freelist(NonBlock, MinReserve, Kswapd) = NULL", "Failed",
        ], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_kernel_with_nothing_to_reclaim_and_nothing_killable_panics(string side)
    {
        // One reclaim that frees nothing, should_reclaim_retry's zones cannot pass, the last try at the high mark,
        // then out_of_memory finds nothing to kill.
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 0),
            new ScriptedWorld(World(3, [OomOutcome.NoKillable])));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "WakeKswapd",
            "get_page_from_freelist(Cpuset, Kswapd) = NULL", "try_to_free_pages = 0", "ReclaimRetryCheck = no",
            "get_page_from_freelist(WmarkHigh, Cpuset) = NULL", "OutOfMemory = NoKillable", "Panicked",
        ], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_nofs_never_calls_the_oom_killer_and_stalls_instead(string side)
    {
        // out_of_memory returns true for !__GFP_FS without a kill: progress that is not memory, so the task waits.
        var run = Create(side).Run(new SlowPathRequest(Gfp.NoFs, 0), new ScriptedWorld(World(3)));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "WakeKswapd",
            "get_page_from_freelist(Cpuset, Kswapd) = NULL", "try_to_free_pages = 0", "ReclaimRetryCheck = no",
            "get_page_from_freelist(WmarkHigh, Cpuset) = NULL", "Stalled",
        ], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void An_aborted_oom_scan_stalls_and_a_kill_retries(string side)
    {
        // A victim not yet reaped: the scan aborts and the task waits; a kill goes back to the retry with the
        // no-progress count at 0, and the freelist then finds the victim's freed page.
        var aborted = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 0),
            new ScriptedWorld(World(3, [OomOutcome.Aborted])));
        Assert.Equal(["OutOfMemory = Aborted", "Stalled"], Text(aborted)[^2..]);
        var killed = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 0),
            new ScriptedWorld(World(3, [OomOutcome.Victim])));
        Assert.Equal(
            ["OutOfMemory = Victim", "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = page", "Allocated"],
            Text(killed)[^4..]);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_costly_order_compacts_before_and_after_reclaim_and_fails_without_retry_mayfail(string side)
    {
        var world = new SlowPathScript([false, true], [], [CompactResult.Skipped], [], [], []);
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 4), new ScriptedWorld(world));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "direct_compact(Async) = Skipped",
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = page", "Allocated",
        ], Text(run));
        var compacted = new SlowPathScript([false, true], [], [CompactResult.Success], [], [], []);
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "direct_compact(Async) = Success",
            "get_page_from_freelist(Cpuset, Kswapd) = page", "Allocated",
        ], Text(Create(side).Run(new SlowPathRequest(Gfp.Kernel, 4), new ScriptedWorld(compacted))));
        var failing = new SlowPathScript([false, false, false], [], [], [], [], []);
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "direct_compact(Async) = Skipped",
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "try_to_free_pages = 0",
            "direct_compact(SyncLight) = Skipped", "Failed",
        ], Text(Create(side).Run(new SlowPathRequest(Gfp.Kernel, 4), new ScriptedWorld(failing))));
    }

    /// <summary>
    /// An OOM victim's retry after reclaim: the reserves it may use (ALLOC_OOM, none with __GFP_NOMEMALLOC,
    /// ALLOC_NO_WATERMARKS with __GFP_MEMALLOC) and whether it gives up after the OOM killer: a victim that asked
    /// with ALLOC_OOM or __GFP_NOMEMALLOC goes to nopage rather than loop; any other retries on progress.
    /// </summary>
    public static TheoryData<string, Gfp, string, string> OomVictims => new()
    {
        { "model", Gfp.Kernel, "Oom", "Failed" }, { "impl", Gfp.Kernel, "Oom", "Failed" },
        { "model", Gfp.Kernel | Gfp.NoMemalloc, "Cpuset", "Failed" },
        { "impl", Gfp.Kernel | Gfp.NoMemalloc, "Cpuset", "Failed" },
        { "model", Gfp.Kernel | Gfp.Memalloc, "NoWatermarks", "Stalled" },
        { "impl", Gfp.Kernel | Gfp.Memalloc, "NoWatermarks", "Stalled" },
    };

    [Theory]
    [MemberData(nameof(OomVictims))]
    public void An_oom_victim_uses_its_reserves_and_gives_up_rather_than_loop_unless_memalloc(
        string side, Gfp gfp, string reserves, string outcome)
    {
        var run = Create(side).Run(new SlowPathRequest(gfp, 0, OomVictim: true),
            new ScriptedWorld(World(3, [OomOutcome.Aborted])));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "WakeKswapd",
            $"get_page_from_freelist({reserves}, Kswapd) = NULL", "try_to_free_pages = 0", "ReclaimRetryCheck = no",
            "get_page_from_freelist(WmarkHigh, Cpuset) = NULL", "OutOfMemory = Aborted", outcome,
        ], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_nofail_is_refused_as_not_modelled(string side) =>
        Assert.StartsWith("__GFP_NOFAIL is not modelled", Assert.Throws<ArgumentException>(() =>
            Create(side).Run(new SlowPathRequest(Gfp.Kernel | Gfp.NoFail, 0), new ScriptedWorld(World(0)))).Message,
            StringComparison.Ordinal);

    /// <summary>A world where reclaim frees a page and compaction succeeds every time, and no page comes.</summary>
    private static SlowPathScript CompactionWithoutAPage() => new([.. Enumerable.Repeat(false, 400)],
        [.. Enumerable.Repeat(1UL, 400)], [.. Enumerable.Repeat(CompactResult.Success, 400)],
        [.. Enumerable.Repeat(false, 400)], [], [OomOutcome.NoKillable]);

    private static string[] Compactions(SlowPathRun run) =>
        [.. run.Steps.Where(s => s.Action == SlowPathAction.Compact).Select(s => $"{s.Priority}")];

    [Theory]
    [MemberData(nameof(Sides))]
    public void Compaction_that_succeeds_without_a_page_retries_16_times_a_priority_down_to_sync_full(string side)
    {
        // Order 1 of GFP_KERNEL is unmovable: one async compaction before reclaim. Then should_compact_retry counts
        // each success and retries while the count is at most MAX_COMPACT_RETRIES 16; the 17th raises the priority
        // (SYNC_LIGHT to SYNC_FULL) and resets the count; at MIN_COMPACT_PRIORITY it gives up, and nothing is
        // killable.
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 1), new ScriptedWorld(CompactionWithoutAPage()));
        Assert.Equal(
            ["Async", .. Enumerable.Repeat("SyncLight", 17), .. Enumerable.Repeat("SyncFull", 17)], Compactions(run));
        Assert.Equal(SlowPathOutcome.Panicked, run.Outcome);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_costly_order_retries_compaction_4_times_and_stops_at_sync_light_without_an_oom_kill(string side)
    {
        // Above PAGE_ALLOC_COSTLY_ORDER the retries are 16 / 4 and the least priority is MIN_COMPACT_COSTLY_PRIORITY
        // (SYNC_LIGHT); __GFP_RETRY_MAYFAIL lets the costly request retry at all. It fails without the OOM killer.
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel | Gfp.RetryMayFail, 4),
            new ScriptedWorld(CompactionWithoutAPage()));
        Assert.Equal(["Async", .. Enumerable.Repeat("SyncLight", 5)], Compactions(run));
        Assert.Equal(SlowPathOutcome.Failed, run.Outcome);
        Assert.DoesNotContain(run.Steps, s => s.Action == SlowPathAction.OutOfMemory);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Skipped_compaction_retries_while_reclaim_could_make_it_suitable_at_the_same_priority(string side)
    {
        // COMPACT_SKIPPED (too few free pages to migrate into) asks compaction_zonelist_suitable instead of counting
        // a retry or raising the priority: two yes answers, two more rounds at SYNC_LIGHT, then the OOM path.
        var script = CompactionWithoutAPage() with
        {
            Compact = [.. Enumerable.Repeat(CompactResult.Skipped, 400)], Suitable = [true, true, false],
        };
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 1), new ScriptedWorld(script));
        Assert.Equal(["Async", "SyncLight", "SyncLight", "SyncLight"], Compactions(run));
        Assert.Equal(["CompactRetryCheck = yes", "CompactRetryCheck = yes", "CompactRetryCheck = no"],
            run.Steps.Where(s => s.Action == SlowPathAction.CompactRetryCheck).Select(s => s.ToString()));
        Assert.Equal(["get_page_from_freelist(WmarkHigh, Cpuset) = NULL", "OutOfMemory = NoKillable", "Panicked"],
            Text(run)[^3..]);
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Gfp_noio_may_reclaim_but_not_compact_so_no_compaction_comes_before_reclaim(string side)
    {
        // try_to_compact_pages needs __GFP_IO: the unmovable order-1 request skips the async compaction before
        // reclaim, and its compaction in the loop is skipped at once.
        var run = Create(side).Run(new SlowPathRequest(Gfp.NoIo, 1), new ScriptedWorld(World(10)));
        Assert.Equal(
        [
            "WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "WakeKswapd",
            "get_page_from_freelist(Cpuset, Kswapd) = NULL", "try_to_free_pages = 0",
            "direct_compact(SyncLight) = Skipped", "ReclaimRetryCheck = no",
            "get_page_from_freelist(WmarkHigh, Cpuset) = NULL", "Stalled",
        ], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_costly_noretry_request_whose_first_compaction_is_skipped_fails_before_reclaim(string side)
    {
        // __alloc_pages_slowpath: a costly __GFP_NORETRY request gives up when the async compaction was skipped or
        // deferred, without reclaiming (the THP fault's case).
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel | Gfp.NoRetry, 4),
            new ScriptedWorld(new([false, false], [], [CompactResult.Skipped], [], [], [])));
        Assert.Equal(
            ["WakeKswapd", "get_page_from_freelist(Cpuset, Kswapd) = NULL", "direct_compact(Async) = Skipped",
                "Failed"], Text(run));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void Reclaim_progress_resets_the_no_progress_count_so_the_retries_run_past_16(string side)
    {
        // 18 rounds free a page each (no_progress_loops back to 0); then none does, and should_reclaim_retry's zones
        // can no longer pass: 19 reclaims in all, then the OOM killer finds nothing to kill.
        var script = new SlowPathScript([.. Enumerable.Repeat(false, 400)], [.. Enumerable.Repeat(1UL, 18)], [],
            [.. Enumerable.Repeat(true, 18)], [], [OomOutcome.NoKillable]);
        var run = Create(side).Run(new SlowPathRequest(Gfp.Kernel, 0), new ScriptedWorld(script));
        Assert.Equal(19, run.Steps.Count(s => s.Action == SlowPathAction.Reclaim));
        Assert.Equal(SlowPathOutcome.Panicked, run.Outcome);
    }
}
