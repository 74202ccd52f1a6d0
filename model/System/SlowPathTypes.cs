using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Model.MemorySystem;

/// <summary>compact_priority: COMPACT_PRIO_SYNC_FULL 0 (the most thorough), SYNC_LIGHT 1, ASYNC 2.</summary>
public enum CompactPriority
{
    SyncFull = 0,
    SyncLight = 1,
    Async = 2,
}

/// <summary>
/// One allocation for the slow path: the gfp mask, the order, and whether the allocating task is already an OOM
/// victim (tsk_is_oom_victim: it may use ALLOC_OOM's reserves).
/// </summary>
public sealed record SlowPathRequest(Gfp Gfp, int Order, bool OomVictim = false)
{
    public override string ToString() => $"order {Order}, gfp {Gfp}{(OomVictim ? ", an OOM victim" : string.Empty)}";
}

/// <summary>What the slow path does at one step, in __alloc_pages_slowpath's order.</summary>
public enum SlowPathAction
{
    /// <summary>wake_all_kswapds.</summary>
    WakeKswapd,

    /// <summary>get_page_from_freelist with the flags: the allocation succeeds if it returns a page.</summary>
    Freelist,

    /// <summary>__alloc_pages_direct_compact at a priority (try_to_compact_pages).</summary>
    Compact,

    /// <summary>__perform_reclaim (try_to_free_pages): the pages it reclaimed.</summary>
    Reclaim,

    /// <summary>drain_all_pages after reclaim made progress but the freelist still failed.</summary>
    Drain,

    /// <summary>should_reclaim_retry's question: could any zone pass the min mark with all it can reclaim?</summary>
    ReclaimRetryCheck,

    /// <summary>should_compact_retry's question for a skipped compaction: compaction_zonelist_suitable.</summary>
    CompactRetryCheck,

    /// <summary>out_of_memory: the OOM killer's outcome.</summary>
    OutOfMemory,
}

/// <summary>One step: the action, the ALLOC_* flags or priority it ran with, and what the world answered.</summary>
public readonly record struct SlowPathStep(SlowPathAction Action, AllocFlags Flags, CompactPriority Priority,
    string Answer)
{
    public override string ToString() => Action switch
    {
        SlowPathAction.Freelist => $"get_page_from_freelist({Flags}) = {Answer}",
        SlowPathAction.Compact => $"direct_compact({Priority}) = {Answer}",
        SlowPathAction.Reclaim => $"try_to_free_pages = {Answer}",
        _ => $"{Action}{(Answer.Length > 0 ? $" = {Answer}" : string.Empty)}",
    };
}

/// <summary>How an allocation through the slow path ended.</summary>
public enum SlowPathOutcome
{
    /// <summary>A freelist attempt returned a page.</summary>
    Allocated,

    /// <summary>nopage: warn_alloc's "page allocation failure", NULL returned.</summary>
    Failed,

    /// <summary>out_of_memory found no killable process: "System is deadlocked on memory", a panic.</summary>
    Panicked,

    /// <summary>
    /// __alloc_pages_may_oom made progress that is not memory: out_of_memory aborted its scan for a victim not yet
    /// gone, or returned true without a kill for a request without __GFP_FS. Linux retries and, with nothing else
    /// changing, would retry forever; the task waits for the rest of the system (the victim's exit, the OOM
    /// reaper), which a simulation's next events are, so the run stops here and the caller retries.
    /// </summary>
    Stalled,
}

/// <summary>The slow path's run: every step in order, and the outcome.</summary>
public sealed record SlowPathRun(IReadOnlyList<SlowPathStep> Steps, SlowPathOutcome Outcome)
{
    public override string ToString() => $"{Outcome} after:\n  " + string.Join("\n  ", Steps);
}

/// <summary>
/// What the rest of the system answers the slow path: whether a freelist attempt finds a page, how much reclaim
/// frees, what compaction returns, should_reclaim_retry's and should_compact_retry's zone questions, the OOM
/// killer's outcome. A whole system answers from its state; a test answers from a script.
/// </summary>
public interface ISlowPathWorld
{
    bool Freelist(AllocFlags flags);

    ulong Reclaim();

    CompactResult Compact(CompactPriority priority);

    bool AnyZoneCouldPassAfterReclaim();

    bool CompactionZonelistSuitable();

    OomOutcome OutOfMemory();
}

/// <summary>__alloc_pages_slowpath, given the world it asks.</summary>
public interface ISlowPath
{
    SlowPathRun Run(SlowPathRequest request, ISlowPathWorld world);
}
