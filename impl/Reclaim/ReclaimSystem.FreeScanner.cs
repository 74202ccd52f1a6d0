using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// Compaction's free side: compaction_alloc over cc->freepages, the linear free scanner that fills them
/// (isolate_freepages, isolate_freepages_block: no fast_isolate_freepages) and release_free_list.
/// </summary>
public sealed partial class ReclaimSystem
{
    private readonly CompactFreePages _freePages;

    /// <summary>
    /// compaction_alloc for an order-0 folio: the first block of the smallest non-empty order of cc->freepages, its
    /// upper halves put at the heads of the lower orders' lists, its first frame the target; with every list empty,
    /// isolate_freepages once and the search again. -1 when there is still none (-ENOMEM).
    /// </summary>
    private int CompactionAlloc(CompactControl cc)
    {
        var order = _freePages.SmallestNonEmpty();
        if (order < 0)
        {
            IsolateFreePages(cc);
            order = _freePages.SmallestNonEmpty();
            if (order < 0)
            {
                return -1;
            }
        }

        var pfn = _freePages.PopHead(order);
        while (order > 0)
        {
            order--;
            _freePages.AddHead(pfn + (1 << order), order);
        }

        Debug.Assert(cc.Waiting > 0, "a target goes to an isolated folio without one");
        cc.Waiting--;
        return pfn;
    }

    /// <summary>
    /// isolate_freepages: pageblocks downwards from free_pfn while they start at or above the end of the migrate
    /// scanner's pageblock, each suitable one through isolate_freepages_block (from free_pfn in the first, from the
    /// start in the others), until as many free pages are isolated as folios wait (free_pfn then where the block
    /// scan stopped, or the next pageblock down when it finished the block) or a block scan stopped early; free_pfn
    /// is where the scanner is to restart.
    /// </summary>
    private void IsolateFreePages(CompactControl cc)
    {
        var isolateStart = cc.FreePfn;
        var blockStart = PageblockStart(isolateStart);
        var blockEnd = Math.Min(blockStart + PageblockPages, cc.Marks.End);
        var low = cc.FreeLow;
        var bound = new LoopBound((cc.Marks.End / PageblockPages) + 1);
        for (; blockStart >= low;
            blockEnd = blockStart, blockStart -= PageblockPages, isolateStart = blockStart)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            if (!SuitableMigrationTarget(cc, blockStart))
            {
                continue;
            }

            isolateStart = IsolateFreePagesBlock(cc, isolateStart, blockEnd);
            if (_freePages.Pages >= cc.Waiting)
            {
                if (isolateStart >= blockEnd)
                {
                    isolateStart = blockStart - PageblockPages;
                }

                break;
            }

            if (isolateStart < blockEnd)
            {
                break;
            }
        }

        cc.FreePfn = isolateStart;
    }

    /// <summary>
    /// suitable_migration_target with ignore_block_suitable (no migratetypes): a pageblock whose first frame heads
    /// a free block of the order or more (pageblock_order for order 0) is left alone.
    /// </summary>
    private bool SuitableMigrationTarget(CompactControl cc, long blockStart) =>
        _buddy.FreeBlockOrder(new Pfn((ulong)blockStart)) < (cc.Order > 0 ? cc.Order : ReclaimConfig.PageblockOrder);

    /// <summary>
    /// isolate_freepages_block (stride 1): each pfn from <paramref name="start"/> to the block end looked at
    /// (compact_free_scanned); a free block taken whole (__isolate_free_page) to the tail of cc->freepages[order]
    /// (compact_isolated, its pages scanned) unless its isolation fails the order-0 watermark check (free pages at
    /// or below min + its size: the scan stops at it), and the scan stops once as many pages are isolated as folios
    /// wait. Returns where the scan stopped, at most the block end.
    /// </summary>
    private long IsolateFreePagesBlock(CompactControl cc, long start, long end)
    {
        var (pfn, scanned, isolated) = (start, 0L, 0L);
        var bound = new LoopBound(end - start);
        while (pfn < end)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            scanned++;
            var order = _buddy.FreeBlockOrder(new Pfn((ulong)pfn));
            if (order < 0)
            {
                pfn++;
                continue;
            }

            var size = 1L << order;
            if (FreePagesIn(cc.Zone) <= cc.Marks.Min + (ulong)size)
            {
                break;
            }

            TakeFreeBlock(pfn, size);
            _freePages.AddTail((int)pfn, order);
            scanned += size - 1;
            isolated += size;
            pfn += size;
            if (cc.Waiting <= _freePages.Pages)
            {
                break;
            }
        }

        _events.CompactFreeScanned += (ulong)scanned;
        _events.CompactIsolated += (ulong)isolated;
        return Math.Min(pfn, end);
    }

    /// <summary>__isolate_free_page: a free block off the buddy allocator, each frame by take_page_off_buddy.</summary>
    private void TakeFreeBlock(long head, long size)
    {
        for (var pfn = head; pfn < head + size; pfn++)
        {
            var taken = _buddy.TakePageOffBuddy(new Pfn((ulong)pfn));
            Debug.Assert(taken.IsOk, "every frame of a free block comes off it");
        }
    }

    /// <summary>
    /// release_free_list: every block still on cc->freepages, order 0 first, goes back to the buddy allocator (its
    /// frames, each an order-0 allocation since take_page_off_buddy, merge again).
    /// </summary>
    private void ReleaseFreePages()
    {
        for (var order = 0; order <= Order.Max; order++)
        {
            var bound = new LoopBound(_kind.Length + 1);
            for (var head = _freePages.PopHead(order); head >= 0; head = _freePages.PopHead(order))
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                bound.Next();
                for (var pfn = head; pfn < head + (1 << order); pfn++)
                {
                    var freed = _buddy.FreePages(new Pfn((ulong)pfn), new Order(0));
                    Debug.Assert(freed.IsOk, "an isolated free frame is an order-0 allocation");
                }
            }
        }

        Debug.Assert(_freePages.Pages == 0, "no free page stays isolated after a run");
    }
}
