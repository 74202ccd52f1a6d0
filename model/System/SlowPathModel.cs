using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The reference __alloc_pages_slowpath of Linux 6.18 (mm/page_alloc.c), for one node without cpusets, CMA,
/// highatomic reserves, defrag_mode or __GFP_NOFAIL, for a task that is not PF_MEMALLOC: each step as the kernel
/// takes it, every question put to the world recorded.
/// </summary>
public class SlowPathModel : ISlowPath
{
    /// <summary>
    /// PAGE_ALLOC_COSTLY_ORDER: above it an allocation compacts first, never counts progress, never OOMs.
    /// </summary>
    public const int CostlyOrder = 3;

    /// <summary>MAX_RECLAIM_RETRIES.</summary>
    public const int MaxReclaimRetries = 16;

    /// <summary>MAX_COMPACT_RETRIES.</summary>
    public const int MaxCompactRetries = 16;

    /// <summary>The retries a run may take: past them the loop's bound throws (a bug, not a Linux outcome).</summary>
    public const int MaxLoops = 10_000;

    public SlowPathRun Run(SlowPathRequest request, ISlowPathWorld world)
    {
        if (request.Gfp.HasFlag(Gfp.NoFail))
        {
            throw new ArgumentException("__GFP_NOFAIL is not modelled: it loops until memory comes", nameof(request));
        }

        return new Attempt(this, request, world).Run();
    }

    /// <summary>should_reclaim_retry's no_progress_loops limit; a broken variant may never give up.</summary>
    protected virtual bool GivesUp(int noProgressLoops) => noProgressLoops > MaxReclaimRetries;

    /// <summary>
    /// __alloc_pages_may_oom's refusals: "the OOM killer will not help higher order allocs", a request that may
    /// fail (__GFP_RETRY_MAYFAIL) or must stay on its node (__GFP_THISNODE), a lowmem-only request.
    /// </summary>
    protected virtual bool MayKill(SlowPathRequest request) =>
        request.Order <= CostlyOrder && !request.Gfp.HasFlag(Gfp.RetryMayFail) && !request.Gfp.HasFlag(Gfp.ThisNode)
        && GfpRules.HighestZone(request.Gfp) is Buddy.ZoneType.Normal;

    /// <summary>One run of the slow path: its counters and the steps so far.</summary>
    private sealed class Attempt(SlowPathModel rules, SlowPathRequest request, ISlowPathWorld world)
    {
        private readonly List<SlowPathStep> _steps = [];
        private readonly Gfp _gfp = request.Gfp;
        private readonly int _order = request.Order;
        private bool Costly => _order > CostlyOrder;
        private bool CanDirectReclaim => _gfp.HasFlag(Gfp.DirectReclaim);

        /// <summary>gfp_compaction_allowed: CONFIG_COMPACTION and __GFP_IO.</summary>
        private bool CanCompact => _gfp.HasFlag(Gfp.Io);

        private CompactResult _compactResult = CompactResult.Skipped;
        private CompactPriority _compactPriority = CompactPriority.SyncLight;
        private int _compactionRetries;
        private int _noProgressLoops;

        public SlowPathRun Run()
        {
            var alloc = GfpRules.SlowPathFlags(_gfp, _order);
            if (alloc.HasFlag(AllocFlags.Kswapd))
            {
                Record(SlowPathAction.WakeKswapd);
            }

            if (Freelist(alloc))
            {
                return Done(SlowPathOutcome.Allocated);
            }

            // Costly or unmovable high orders try async compaction before reclaim.
            var movable = _gfp.HasFlag(Gfp.Movable);
            if (CanDirectReclaim && CanCompact && (Costly || (_order > 0 && !movable)) && !PfmemallocAllowed())
            {
                if (DirectCompact(alloc, CompactPriority.Async))
                {
                    return Done(SlowPathOutcome.Allocated);
                }

                if (Costly && _gfp.HasFlag(Gfp.NoRetry))
                {
                    if (_compactResult is CompactResult.Skipped or CompactResult.Deferred)
                    {
                        return Done(SlowPathOutcome.Failed);
                    }

                    _compactPriority = CompactPriority.Async;
                }
            }

            return Retry(alloc);
        }

        /// <summary>The retry: label and everything after it, looping until a page, a failure or a panic.</summary>
        private SlowPathRun Retry(AllocFlags alloc)
        {
            var bound = new LoopBound(MaxLoops);
            while (true)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                bound.Next();
                if (alloc.HasFlag(AllocFlags.Kswapd))
                {
                    Record(SlowPathAction.WakeKswapd);
                }

                var reserve = ReserveFlags();
                if (reserve != 0)
                {
                    alloc = reserve | (alloc & AllocFlags.Kswapd);
                }

                if (Freelist(alloc))
                {
                    return Done(SlowPathOutcome.Allocated);
                }

                if (!CanDirectReclaim)
                {
                    return Done(SlowPathOutcome.Failed);
                }

                if (DirectReclaim(alloc, out var progress) || DirectCompact(alloc, _compactPriority))
                {
                    return Done(SlowPathOutcome.Allocated);
                }

                if (_gfp.HasFlag(Gfp.NoRetry) || (Costly && (!CanCompact || !_gfp.HasFlag(Gfp.RetryMayFail))))
                {
                    return Done(SlowPathOutcome.Failed);
                }

                if (ShouldReclaimRetry(progress) || (progress > 0 && CanCompact && ShouldCompactRetry()))
                {
                    continue;
                }

                var oom = MayOom(out var oomProgress, out var killed);
                if (oom is not null)
                {
                    return Done(oom.Value);
                }

                if (request.OomVictim && (alloc.HasFlag(AllocFlags.Oom) || _gfp.HasFlag(Gfp.NoMemalloc)))
                {
                    return Done(SlowPathOutcome.Failed);
                }

                if (!oomProgress)
                {
                    return Done(SlowPathOutcome.Failed);
                }

                if (!killed)
                {
                    return Done(SlowPathOutcome.Stalled);
                }

                _noProgressLoops = 0;
            }
        }

        /// <summary>
        /// __gfp_pfmemalloc_flags: none with __GFP_NOMEMALLOC; no watermarks with __GFP_MEMALLOC; ALLOC_OOM for an
        /// OOM victim.
        /// </summary>
        private AllocFlags ReserveFlags() =>
            _gfp.HasFlag(Gfp.NoMemalloc) ? 0
            : _gfp.HasFlag(Gfp.Memalloc) ? AllocFlags.NoWatermarks
            : request.OomVictim ? AllocFlags.Oom
            : 0;

        private bool PfmemallocAllowed() => ReserveFlags().HasFlag(AllocFlags.NoWatermarks);

        /// <summary>
        /// __alloc_pages_direct_reclaim: try_to_free_pages; with progress, the freelist, and once more after draining
        /// the per-CPU lists.
        /// </summary>
        private bool DirectReclaim(AllocFlags alloc, out ulong progress)
        {
            progress = world.Reclaim();
            Record(SlowPathAction.Reclaim, answer: $"{progress}");
            if (progress == 0)
            {
                return false;
            }

            if (Freelist(alloc))
            {
                return true;
            }

            Record(SlowPathAction.Drain);
            return Freelist(alloc);
        }

        /// <summary>
        /// __alloc_pages_direct_compact: order 0 is skipped without asking; a skipped compaction returns nothing;
        /// otherwise the freelist (a captured page counts as found).
        /// </summary>
        private bool DirectCompact(AllocFlags alloc, CompactPriority priority)
        {
            if (_order == 0)
            {
                _compactResult = CompactResult.Skipped;
                return false;
            }

            _compactResult = world.Compact(priority);
            Record(SlowPathAction.Compact, priority: priority, answer: $"{_compactResult}");
            return _compactResult != CompactResult.Skipped && Freelist(alloc);
        }

        private bool Freelist(AllocFlags flags)
        {
            var page = world.Freelist(flags);
            Record(SlowPathAction.Freelist, flags, answer: page ? "page" : "NULL");
            return page;
        }

        private void Record(SlowPathAction action, AllocFlags flags = 0, CompactPriority priority = 0,
            string answer = "") => _steps.Add(new SlowPathStep(action, flags, priority, answer));

        private SlowPathRun Done(SlowPathOutcome outcome) => new([.. _steps], outcome);

        /// <summary>
        /// should_reclaim_retry: progress (for an order up to 3) resets no_progress_loops, else it counts one more;
        /// past MAX_RECLAIM_RETRIES it gives up; otherwise it retries while some zone would pass the min mark with
        /// all its reclaimable pages free.
        /// </summary>
        private bool ShouldReclaimRetry(ulong progress)
        {
            _noProgressLoops = progress > 0 && !Costly ? 0 : _noProgressLoops + 1;
            if (rules.GivesUp(_noProgressLoops))
            {
                return false;
            }

            var could = world.AnyZoneCouldPassAfterReclaim();
            Record(SlowPathAction.ReclaimRetryCheck, answer: could ? "yes" : "no");
            return could;
        }

        /// <summary>
        /// should_compact_retry: never for order 0; a skipped compaction retries if reclaim could make it suitable;
        /// a success retries up to 16 times (4 for a costly order); otherwise the priority rises while above the
        /// least (SYNC_FULL, or SYNC_LIGHT for a costly order), the retries reset.
        /// </summary>
        private bool ShouldCompactRetry()
        {
            if (_order == 0)
            {
                return false;
            }

            if (_compactResult == CompactResult.Skipped)
            {
                var suitable = world.CompactionZonelistSuitable();
                Record(SlowPathAction.CompactRetryCheck, answer: suitable ? "yes" : "no");
                return suitable;
            }

            if (_compactResult == CompactResult.Success)
            {
                var max = Costly ? MaxCompactRetries / 4 : MaxCompactRetries;
                if (++_compactionRetries <= max)
                {
                    return true;
                }
            }

            var least = Costly ? CompactPriority.SyncLight : CompactPriority.SyncFull;
            if (_compactPriority > least)
            {
                _compactPriority--;
                _compactionRetries = 0;
                return true;
            }

            return false;
        }

        /// <summary>
        /// __alloc_pages_may_oom: a last freelist try at the high mark; then no OOM kill for a costly order,
        /// __GFP_RETRY_MAYFAIL, __GFP_THISNODE or a lowmem-only request; out_of_memory returns true without a kill for
        /// a request without __GFP_FS; otherwise the OOM killer: a kill or an abort is progress, no killable process
        /// a panic. Returns the outcome when the run ends here; <paramref name="killed"/> says the progress was a kill.
        /// </summary>
        private SlowPathOutcome? MayOom(out bool progress, out bool killed)
        {
            progress = false;
            killed = false;
            if (Freelist(AllocFlags.WmarkHigh | AllocFlags.Cpuset))
            {
                return SlowPathOutcome.Allocated;
            }

            if (!rules.MayKill(request))
            {
                return null;
            }

            if (!_gfp.HasFlag(Gfp.Fs))
            {
                progress = true;
                return null;
            }

            var outcome = world.OutOfMemory();
            Record(SlowPathAction.OutOfMemory, answer: $"{outcome}");
            progress = outcome != OomOutcome.NoKillable;
            killed = outcome == OomOutcome.Victim;
            return progress ? null : SlowPathOutcome.Panicked;
        }
    }
}
