using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// Compaction's migration side: isolate_migratepages (one pageblock a call, linear: fast_find_migrateblock is off at
/// COMPACT_PRIO_SYNC_FULL) and migrate_pages, each isolated folio moved to a target compaction_alloc hands out.
/// </summary>
public sealed partial class ReclaimSystem
{
    // The folios isolate_migratepages took (COMPACT_CLUSTER_MAX, or a whole pageblock under finish_pageblock), in
    // pfn order; -1 once migrated.
    private readonly int[] _migrate = new int[PageblockPages];

    /// <summary>
    /// isolate_migratepages and isolate_migratepages_block: the pageblock at migrate_pfn, when it ends at or below
    /// free_pfn, looked at pfn by pfn from migrate_pfn (compact_migrate_scanned; a free block's first frame steps
    /// over the whole block, its pages counted); a movable folio (on an LRU list, not pinned, not under writeback:
    /// MIGRATE_SYNC_LIGHT isolates with ISOLATE_ASYNC_MIGRATE) taken off its list (compact_isolated) until
    /// COMPACT_CLUSTER_MAX are, with no cap under compact_zone's finish_pageblock (the last isolation was in this
    /// pageblock; last_migrated_pfn starts at 0); migrate_pfn then the pfn after the last one looked at, at most the
    /// block's end, and last_migrated_pfn the pageblock before it. Returns the folios isolated.
    /// </summary>
    private int IsolateMigratePages(CompactControl cc)
    {
        var blockEnd = PageblockStart(cc.MigratePfn) + PageblockPages;
        if (blockEnd > cc.FreePfn)
        {
            return 0;
        }

        Debug.Assert(cc.Waiting == 0, "every folio of the last call was migrated or put back");
        var (count, scanned, pfn) = (0, 0L, cc.MigratePfn);
        var cap = PageblockStart(cc.LastMigratedPfn) == PageblockStart(cc.MigratePfn) ? PageblockPages : ClusterMax;
        var bound = new LoopBound(PageblockPages);
        while (pfn < blockEnd && count < cap)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var order = _buddy.FreeBlockOrder(new Pfn((ulong)pfn));
            var step = order >= 0 ? 1L << order : 1;
            var frame = (int)pfn;
            if (order < 0 && IsFolio(frame) && _lruOf[frame] != NoFolio && _pins[frame] == 0
                && !Has(frame, FolioFlags.Writeback))
            {
                LruDelete(frame);
                _migrate[count++] = frame;
            }

            scanned += step;
            pfn += step;
        }

        _events.CompactMigrateScanned += (ulong)scanned;
        _events.CompactIsolated += (ulong)count;
        cc.MigratePfn = Math.Min(pfn, blockEnd);
        if (count > 0)
        {
            cc.LastMigratedPfn = Math.Max(cc.Marks.Start, PageblockStart(cc.MigratePfn - 1));
        }

        cc.Waiting = count;
        return count;
    }

    /// <summary>
    /// migrate_pages (MIGRATE_SYNC_LIGHT) over the isolated folios from the last isolated (the highest pfn) down
    /// (none under writeback: isolation left those), each moved to the target compaction_alloc gives; once it gives
    /// none (-ENOMEM) the rest fail. Then putback_movable_pages: the failed
    /// folios back to the heads of their lists, the highest pfn first. True when the targets ran out.
    /// </summary>
    private bool MigratePages(CompactControl cc, int count)
    {
        var outOfTargets = false;
        for (var i = count - 1; i >= 0 && !outOfTargets; i--)
        {
            Debug.Assert(!Has(_migrate[i], FolioFlags.Writeback), "isolate_migratepages left folios under writeback");
            var target = CompactionAlloc(cc);
            outOfTargets = target < 0;
            if (!outOfTargets)
            {
                MigrateFolio(_migrate[i], target);
                _migrate[i] = -1;
                _events.PgMigrateSuccess++;
            }
        }

        for (var i = count - 1; i >= 0; i--)
        {
            if (_migrate[i] >= 0)
            {
                LruAddHead(_migrate[i]);
            }
        }

        cc.Waiting = 0;
        return outOfTargets;
    }

    /// <summary>
    /// migrate_folio and remove_migration_ptes: the content and the flags copied (a dirty PTE dirties the folio, as
    /// try_to_migrate_one does), every PTE pointed at the new frame with its bits kept and the old translation
    /// flushed on every CPU, the page-cache or swap-cache slot moved, the new folio at the head of its list, the
    /// old frame freed.
    /// </summary>
    private void MigrateFolio(int from, int to)
    {
        _kind[to] = _kind[from];
        _flags[to] = _flags[from];
        _mapCount[to] = _mapCount[from];
        _pins[to] = 0;
        _swapType[to] = _swapType[from];
        _swapOffset[to] = _swapOffset[from];
        _object[to] = _object[from];
        _index[to] = _index[from];
        _content[to] = _content[from];
        (_rmap[to], _rmap[from]) = (_rmap[from], _rmap[to]);
        foreach (var (mm, vpn) in _rmap[to]!)
        {
            var ptes = _mms[mm].Ptes;
            var pte = ptes[vpn];
            FlushPage(mm, vpn);
            ptes[vpn] = pte with { Frame = to };
            if (pte.Dirty)
            {
                Set(to, FolioFlags.Dirty);
            }
        }

        if (InSwapCache(from))
        {
            _swap[_swapType[from]]!.SetCache(_swapOffset[from], to);
        }
        else if (KindOf(from) == FolioKind.File)
        {
            _fileCache[FileKey(_object[from], _index[from])] = to;
        }
        else if (KindOf(from) == FolioKind.Shmem)
        {
            _shmem[_object[from]].Resident[_index[from]] = to;
        }

        LruAddHead(to);
        _mapCount[from] = 0;
        _swapType[from] = -1;
        _rmap[from]?.Clear();
        FreeFolio(from);
    }

    /// <summary>alloc_pages(GFP_KERNEL): an unmovable block, remembered by its first frame.</summary>
    public Result<Pfn> KernelAlloc(Order order)
    {
        // zone_watermark_ok: a block that is there may still not be taken past the watermark.
        var free = FreeFrames();
        if (order.IsValid && free >= order.Pages && free - order.Pages < _watermark)
        {
            return new ReclaimOutOfMemory(order.Pages, AllocatableFrames());
        }

        var allocated = _buddy.AllocPages(order, ZoneType.Normal);
        if (allocated.IsOk)
        {
            _kernelOrder[allocated.Value.Value] = (sbyte)order.Value;
        }

        return allocated;
    }

    /// <summary>__free_pages of a kernel allocation, by its first frame.</summary>
    public Result<Unit> KernelFree(Pfn pfn)
    {
        if (pfn.Value >= (ulong)_kernelOrder.Length || _kernelOrder[pfn.Value] == NoFolio)
        {
            return new NotKernelPage(pfn);
        }

        var freed = _buddy.FreePages(pfn, new Order(_kernelOrder[pfn.Value]));
        Debug.Assert(freed.IsOk, "a kernel allocation frees with its order");
        _kernelOrder[pfn.Value] = NoFolio;
        return Unit.Value;
    }
}
