using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;

namespace MMSpec.Model.MemorySystem;

/// <summary>The page allocator: __alloc_pages over the reclaim system's frames.</summary>
public sealed partial class MemorySystem
{
    /// <summary>The slow-path runs one call may take: one run per frame a step needs.</summary>
    public const int MaxSlowPathRuns = 4;

    private readonly IWatermarks _watermarks;
    private readonly ISlowPath _slowPath;
    private readonly ZoneMarks _marks;
    private readonly Dictionary<AllocFlags, ulong> _floors = [];
    private bool _kswapdAwake;
    private AllocStalls _allocStalls;

    public Result<Pfn> AllocPages(Gfp gfp, Order order)
    {
        if (RefusedGfp(gfp) is { } refused)
        {
            return refused;
        }

        return order.IsValid ? Allocating(gfp, order.Value, false, () => _reclaim.KernelAlloc(order))
            : new InvalidOrder(order.Value);
    }

    /// <summary>
    /// A mask the simulation refuses: contradictory zone modifiers (GFP_ZONE_BAD), a zone the machine lacks (one
    /// ZONE_NORMAL), __GFP_NOFAIL (it loops until memory comes, which no run can show).
    /// </summary>
    private static MmError? RefusedGfp(Gfp gfp) => GfpRules.HighestZone(gfp) switch
    {
        null => new ContradictoryGfp(gfp, "its zone modifiers name no zone (GFP_ZONE_BAD)"),
        ZoneType.Normal when gfp.HasFlag(Gfp.NoFail) =>
            new ContradictoryGfp(gfp, "__GFP_NOFAIL loops until memory comes; it is not simulated"),
        ZoneType.Normal => null,
        var zone => new NoSuchZone(zone.Value),
    };

    /// <summary>
    /// __alloc_pages for the step <paramref name="op"/>: the freelist at the low mark (the step runs with the
    /// reclaim system's watermark there, so a step that needs no frame, or is bad input, is done or refused at
    /// once), else the slow path with this system as its world, and the step again at the mark the slow path's
    /// page came from. The watermark is back at 0 when the call returns.
    /// </summary>
    private Result<T> Allocating<T>(Gfp gfp, int order, bool victim, Func<Result<T>> op)
    {
        var result = WithWatermark(Floor(AllocFlags.WmarkLow), op);
        var bound = new LoopBound(MaxSlowPathRuns);
        for (var runs = 0; runs < MaxSlowPathRuns && !result.IsOk && Needs(result.Error!) is { } need; runs++)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var blockOrder = need.Order ?? order;
            var world = new World(this, gfp, blockOrder, need.Frames - 1);
            var run = _slowPath.Run(new SlowPathRequest(gfp, blockOrder, victim), world);
            _kswapdAwake |= run.Steps.Any(s => s.Action == SlowPathAction.WakeKswapd);
            switch (run.Outcome)
            {
                case SlowPathOutcome.Allocated:
                    result = WithWatermark(Floor(world.Granted), op);
                    break;
                case SlowPathOutcome.Panicked:
                    _panics++;
                    _log.Add(KernelPanic.LogLine);
                    return new KernelPanic(gfp, blockOrder);
                case SlowPathOutcome.Stalled:
                    return new AllocationStalled(gfp, blockOrder, PendingVictim());
                default:
                    return new AllocationFailed(gfp, blockOrder);
            }
        }

        return result.IsOk || Needs(result.Error!) is not { } last ? result
            : new AllocationFailed(gfp, last.Order ?? order);
    }

    /// <summary>
    /// The frames a refused step needed and the order of its block when it names one, when memory was why: the page
    /// allocator's business. A slab or a large kmalloc is one block of its order.
    /// </summary>
    private static (ulong Frames, int? Order)? Needs(MmError error) => error switch
    {
        ReclaimOutOfMemory oom => (oom.FramesNeeded, null),
        Buddy.OutOfMemory => (1, null),
        SlabOutOfMemory slab => (slab.Order.Pages, slab.Order.Value),
        LargeKmallocOutOfMemory large => (large.Order.Pages, large.Order.Value),
        _ => null,
    };

    private Result<T> WithWatermark<T>(ulong pages, Func<Result<T>> op)
    {
        var set = _reclaim.SetWatermark(pages);
        System.Diagnostics.Debug.Assert(set.IsOk, "a floor is at most the machine's frames");
        try
        {
            return op();
        }
        finally
        {
            _reclaim.SetWatermark(0);
        }
    }

    /// <summary>
    /// The free pages an order-0 allocation with <paramref name="flags"/> must leave: one less than the fewest free
    /// pages __zone_watermark_ok passes (free_pages &gt; the mark it lowers by the flags' reserves).
    /// </summary>
    private ulong Floor(AllocFlags flags)
    {
        if (_floors.TryGetValue(flags, out var floor))
        {
            return floor;
        }

        ulong low = 0, high = Config.Frames + 1;
        var halvings = new LoopBound(64);
        while (low < high)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            halvings.Next();
            var middle = low + ((high - low) / 2);
            (low, high) = Passes(middle, new ulong[Order.Count], 0, flags) ? (low, middle) : (middle + 1, high);
        }

        return _floors[flags] = Math.Min(Config.Frames, low == 0 ? 0 : low - 1);
    }

    private bool Passes(ulong free, IReadOnlyList<ulong> nrFree, int order, AllocFlags flags) =>
        _watermarks.ZoneWatermarkOk(free, nrFree, order, _marks.Mark(flags),
            _marks.LowmemReserve[(int)ZoneType.Normal], flags);

    /// <summary>The victim the OOM killer's scan waits for: there is at most one (select_bad_process aborts).</summary>
    private Pid? PendingVictim() => _tasks.Snapshot().Tasks.FirstOrDefault(t => t.Victim && !t.OomSkip)?.Pid;

    /// <summary>The slow path's world: this system's counters, reclaim, compaction and OOM killer.</summary>
    private sealed class World(MemorySystem system, Gfp gfp, int order, ulong extraFrames) : ISlowPathWorld
    {
        /// <summary>The flags of the freelist try that found a page: the step runs at their mark.</summary>
        public AllocFlags Granted { get; private set; }

        public bool Freelist(AllocFlags flags)
        {
            var counters = system._reclaim.Counters();
            var free = counters.FreePages;
            var page = free >= extraFrames && system.Passes(free - extraFrames, counters.NrFree, order, flags);
            Granted = page ? flags : Granted;
            return page;
        }

        /// <summary>__perform_reclaim: do_try_to_free_pages counts allocstall for gfp_zone, then reclaims.</summary>
        public ulong Reclaim()
        {
            var stalls = system._allocStalls;
            system._allocStalls = gfp.HasFlag(Gfp.HighMem | Gfp.Movable) ? stalls with { Movable = stalls.Movable + 1 }
                : stalls with { Normal = stalls.Normal + 1 };
            return system._reclaim.TryToFreePages() is { IsOk: true } freed ? freed.Value : 0;
        }

        public CompactResult Compact(CompactPriority priority) =>
            system._reclaim.Compact(ZoneType.Normal, order) is { IsOk: true } run ? run.Value.Result
                : CompactResult.Skipped;

        /// <summary>should_reclaim_retry: the min mark with every reclaimable page counted as free.</summary>
        public bool AnyZoneCouldPassAfterReclaim()
        {
            var counters = system._reclaim.Counters();
            return system.Passes(counters.FreePages + counters.ReclaimablePages, counters.NrFree, order,
                AllocFlags.WmarkMin);
        }

        /// <summary>
        /// compaction_zonelist_suitable: __compaction_suitable's order-0 check (the low mark above a costly order,
        /// else the min mark, plus compact_gap 2 &lt;&lt; order) with every reclaimable page counted as free.
        /// </summary>
        public bool CompactionZonelistSuitable()
        {
            var counters = system._reclaim.Counters();
            var marks = system._marks;
            var mark = (order > SlowPathModel.CostlyOrder ? marks.Low : marks.Min) + (2UL << order);
            return system._watermarks.ZoneWatermarkOk(counters.FreePages + counters.ReclaimablePages,
                counters.NrFree, 0, mark, marks.LowmemReserve[(int)ZoneType.Normal], AllocFlags.WmarkMin);
        }

        public OomOutcome OutOfMemory() => system.OutOfMemory();
    }
}
