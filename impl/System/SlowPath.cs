using System.Globalization;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.MemorySystem;

/// <summary>
/// __alloc_pages_slowpath as a state machine: each state one block of the kernel function (the retry label's
/// freelist try, direct reclaim, direct compaction, the retry decisions, __alloc_pages_may_oom), the counters in
/// fields, the steps appended as the world is asked.
/// </summary>
public sealed class SlowPath : ISlowPath
{
    private enum State
    {
        RetryFreelist,
        Reclaim,
        Compact,
        Decide,
        MayOom,
    }

    public SlowPathRun Run(SlowPathRequest request, ISlowPathWorld world)
    {
        if ((request.Gfp & Gfp.NoFail) != 0)
        {
            throw new ArgumentException("__GFP_NOFAIL is not modelled: it loops until memory comes", nameof(request));
        }

        return new Machine(request, world).Run();
    }

    private sealed class Machine(SlowPathRequest request, ISlowPathWorld world)
    {
        private readonly List<SlowPathStep> _steps = new(16);
        private readonly Gfp _gfp = request.Gfp;
        private readonly int _order = request.Order;
        private AllocFlags _alloc;
        private CompactResult _compactResult = CompactResult.Skipped;
        private CompactPriority _priority = CompactPriority.SyncLight;
        private int _compactRetries;
        private int _noProgress;
        private ulong _progress;

        private bool Costly => _order > 3;

        /// <summary>should_compact_retry's budget of COMPACT_SUCCESS retries: a quarter for a costly order.</summary>
        private int MaxSuccessRetries =>
            Costly ? SlowPathModel.MaxCompactRetries >> 2 : SlowPathModel.MaxCompactRetries;

        public SlowPathRun Run()
        {
            _alloc = GfpRules.SlowPathFlags(_gfp, _order);
            WakeKswapd();
            if (Ask(_alloc))
            {
                return End(SlowPathOutcome.Allocated);
            }

            var reclaims = (_gfp & Gfp.DirectReclaim) != 0;
            var compacts = (_gfp & Gfp.Io) != 0;
            var memalloc = (_gfp & (Gfp.Memalloc | Gfp.NoMemalloc)) == Gfp.Memalloc;
            if (reclaims && compacts && !memalloc && (Costly || (_order > 0 && (_gfp & Gfp.Movable) == 0)))
            {
                if (TryCompact(CompactPriority.Async))
                {
                    return End(SlowPathOutcome.Allocated);
                }

                if (Costly && (_gfp & Gfp.NoRetry) != 0)
                {
                    if (_compactResult == CompactResult.Skipped || _compactResult == CompactResult.Deferred)
                    {
                        return End(SlowPathOutcome.Failed);
                    }

                    _priority = CompactPriority.Async;
                }
            }

            return Loop(reclaims, compacts);
        }

        private SlowPathRun Loop(bool reclaims, bool compacts)
        {
            var state = State.RetryFreelist;
            var bound = new LoopBound(SlowPathModel.MaxLoops * 5);
            while (true)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                bound.Next();
                switch (state)
                {
                    case State.RetryFreelist:
                        WakeKswapd();
                        _alloc = Reserves() is var reserve and not 0 ? reserve | (_alloc & AllocFlags.Kswapd) : _alloc;
                        if (Ask(_alloc))
                        {
                            return End(SlowPathOutcome.Allocated);
                        }

                        if (!reclaims)
                        {
                            return End(SlowPathOutcome.Failed);
                        }

                        state = State.Reclaim;
                        break;
                    case State.Reclaim:
                        if (TryReclaim())
                        {
                            return End(SlowPathOutcome.Allocated);
                        }

                        state = State.Compact;
                        break;
                    case State.Compact:
                        if (TryCompact(_priority))
                        {
                            return End(SlowPathOutcome.Allocated);
                        }

                        state = State.Decide;
                        break;
                    case State.Decide:
                        if ((_gfp & Gfp.NoRetry) != 0 || (Costly && (!compacts || (_gfp & Gfp.RetryMayFail) == 0)))
                        {
                            return End(SlowPathOutcome.Failed);
                        }

                        state = ReclaimRetry() || (_progress != 0 && compacts && CompactRetry())
                            ? State.RetryFreelist
                            : State.MayOom;
                        break;
                    default:
                        if (OomStep() is { } outcome)
                        {
                            return End(outcome);
                        }

                        _noProgress = 0;
                        state = State.RetryFreelist;
                        break;
                }
            }
        }

        /// <summary>__alloc_pages_may_oom and what follows it; an outcome when the run ends there.</summary>
        private SlowPathOutcome? OomStep()
        {
            if (Ask(AllocFlags.WmarkHigh | AllocFlags.Cpuset))
            {
                return SlowPathOutcome.Allocated;
            }

            var mayKill = !Costly && (_gfp & (Gfp.RetryMayFail | Gfp.ThisNode)) == 0
                && (_gfp & (Gfp.Dma | Gfp.Dma32)) == 0;
            var progress = false;
            var killed = false;
            if (mayKill && (_gfp & Gfp.Fs) == 0)
            {
                progress = true;
            }
            else if (mayKill)
            {
                var outcome = world.OutOfMemory();
                _steps.Add(new(SlowPathAction.OutOfMemory, 0, 0, outcome.ToString()));
                if (outcome == OomOutcome.NoKillable)
                {
                    return SlowPathOutcome.Panicked;
                }

                progress = true;
                killed = outcome == OomOutcome.Victim;
            }

            var victimLoops = request.OomVictim && ((_alloc & AllocFlags.Oom) != 0 || (_gfp & Gfp.NoMemalloc) != 0);
            return victimLoops || !progress ? SlowPathOutcome.Failed
                : killed ? null
                : SlowPathOutcome.Stalled;
        }

        private AllocFlags Reserves()
        {
            if ((_gfp & Gfp.NoMemalloc) != 0)
            {
                return 0;
            }

            return (_gfp & Gfp.Memalloc) != 0 ? AllocFlags.NoWatermarks : request.OomVictim ? AllocFlags.Oom : 0;
        }

        private bool TryReclaim()
        {
            _progress = world.Reclaim();
            _steps.Add(new(SlowPathAction.Reclaim, 0, 0, _progress.ToString(CultureInfo.InvariantCulture)));
            if (_progress == 0)
            {
                return false;
            }

            if (Ask(_alloc))
            {
                return true;
            }

            _steps.Add(new(SlowPathAction.Drain, 0, 0, string.Empty));
            return Ask(_alloc);
        }

        private bool TryCompact(CompactPriority priority)
        {
            if (_order == 0)
            {
                _compactResult = CompactResult.Skipped;
                return false;
            }

            _compactResult = world.Compact(priority);
            _steps.Add(new(SlowPathAction.Compact, 0, priority, _compactResult.ToString()));
            return _compactResult != CompactResult.Skipped && Ask(_alloc);
        }

        private bool ReclaimRetry()
        {
            _noProgress = _progress != 0 && !Costly ? 0 : _noProgress + 1;
            if (_noProgress > SlowPathModel.MaxReclaimRetries)
            {
                return false;
            }

            var could = world.AnyZoneCouldPassAfterReclaim();
            _steps.Add(new(SlowPathAction.ReclaimRetryCheck, 0, 0, could ? "yes" : "no"));
            return could;
        }

        // should_compact_retry: an order-0 request never compacts, so it never retries compaction.
        private bool CompactRetry()
        {
            if (_order == 0)
            {
                return false;
            }

            switch (_compactResult)
            {
                case CompactResult.Skipped:
                    var suitable = world.CompactionZonelistSuitable();
                    _steps.Add(new(SlowPathAction.CompactRetryCheck, 0, 0, suitable ? "yes" : "no"));
                    return suitable;
                case CompactResult.Success when ++_compactRetries <= MaxSuccessRetries:
                    return true;
            }

            if (_priority <= (Costly ? CompactPriority.SyncLight : CompactPriority.SyncFull))
            {
                return false;
            }

            _priority--;
            _compactRetries = 0;
            return true;
        }

        private void WakeKswapd()
        {
            if ((_alloc & AllocFlags.Kswapd) != 0)
            {
                _steps.Add(new(SlowPathAction.WakeKswapd, 0, 0, string.Empty));
            }
        }

        private bool Ask(AllocFlags flags)
        {
            var page = world.Freelist(flags);
            _steps.Add(new(SlowPathAction.Freelist, flags, 0, page ? "page" : "NULL"));
            return page;
        }

        private SlowPathRun End(SlowPathOutcome outcome) => new(_steps.ToArray(), outcome);
    }
}
