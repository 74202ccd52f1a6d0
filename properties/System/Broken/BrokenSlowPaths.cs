using MMSpec.Model.MemorySystem;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// __alloc_pages_may_oom without "The OOM killer will not help higher order allocs" and without honouring
/// __GFP_RETRY_MAYFAIL: a costly request that asked to fail rather than kill retries into the OOM killer, and a task
/// dies for memory fragmentation denies, not memory that is missing. __GFP_RETRY_MAYFAIL's promise (4.13, "mm, tree
/// wide: replace __GFP_REPEAT by __GFP_RETRY_MAYFAIL with more useful semantic", Michal Hocko) broken; the premature
/// kills reported after 4.7's OOM detection rework ("OOM detection regressions since 4.7", August 2016) are the
/// same harm for order 2.
/// </summary>
public sealed class OomForCostlyOrders : SlowPathModel
{
    protected override bool MayKill(SlowPathRequest request) => !request.Gfp.HasFlag(Gfp.ThisNode)
        && GfpRules.HighestZone(request.Gfp) is Model.Buddy.ZoneType.Normal;
}

/// <summary>
/// should_reclaim_retry without MAX_RECLAIM_RETRIES: the allocator retries as long as some zone looks reclaimable,
/// the endless loops of the retry-while-any-progress logic that "mm, oom: rework oom detection" (Michal Hocko, 4.7)
/// replaced with a bounded count of rounds without progress.
/// </summary>
public sealed class ReclaimRetriesForever : SlowPathModel
{
    protected override bool GivesUp(int noProgressLoops) => false;
}
