using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>
    /// isolate_freepages without fast_isolate_freepages: pageblocks downward from the free scanner while they start
    /// at or above the end of the migration scanner's block, each through isolate_freepages_block, until as many
    /// free pages are isolated as folios wait; the scanner stays where it stopped, or moves to the next block down.
    /// </summary>
    private void IsolateFreePages(CompactControl cc)
    {
        var pageblock = ReclaimConfig.PageblockPages;
        var isolateStart = cc.FreePfn.Value;
        var blockStart = PageblockStart(isolateStart).Value;
        var blockEnd = Math.Min(blockStart + pageblock, Zone.End.Value);
        var low = PageblockEnd(cc.MigratePfn.Value);
        for (; blockStart >= low; blockEnd = blockStart, blockStart -= pageblock, isolateStart = blockStart)
        {
            if (!SuitableMigrationTarget(blockStart, cc.Order))
            {
                continue;
            }

            isolateStart = IsolateFreepagesBlock(cc, isolateStart, blockEnd);
            if (cc.NrFree >= (ulong)cc.Migrating)
            {
                if (isolateStart >= blockEnd)
                {
                    isolateStart = blockStart - pageblock;
                }

                break;
            }

            if (isolateStart < blockEnd)
            {
                // Isolation failed early (the watermark): do not continue needlessly.
                break;
            }
        }

        cc.FreePfn = new Pfn(isolateStart);
    }

    /// <summary>
    /// suitable_migration_target at COMPACT_PRIO_SYNC_FULL (ignore_block_suitable): any pageblock but one that starts
    /// with a free block of the order asked for or more (pageblock_order for order 0).
    /// </summary>
    private bool SuitableMigrationTarget(ulong blockStart, int order) =>
        !(FreeBlockHeads().TryGetValue(blockStart, out var free)
            && free >= (order > 0 ? order : ReclaimConfig.PageblockOrder));

    /// <summary>
    /// isolate_freepages_block (not strict): every free block from <paramref name="start"/> taken off the buddy
    /// allocator whole and put at the tail of cc->freepages[order], stopping once enough pages are isolated, or at a
    /// block whose isolation would take the zone to its min watermark. Returns where it stopped.
    /// </summary>
    private ulong IsolateFreepagesBlock(CompactControl cc, ulong start, ulong end)
    {
        var heads = FreeBlockHeads();
        ulong total = 0;
        var pfn = start;
        for (; pfn < end; pfn++)
        {
            cc.FreeScanned++;
            if (!heads.TryGetValue(pfn, out var order))
            {
                continue;
            }

            var pages = 1UL << order;
            if (_pages.Snapshot().FreePages <= Watermarks.Min + pages)
            {
                // __isolate_free_page: taking the block must leave the zone above min + its size (order 0).
                break;
            }

            for (var frame = pfn; frame < pfn + pages; frame++)
            {
                var taken = _pages.TakePageOffBuddy(new Pfn(frame));
                System.Diagnostics.Debug.Assert(taken.IsOk, $"free block {pfn} order {order} lost frame {frame}");
            }

            cc.FreePages[order].Add(new Pfn(pfn));
            cc.NrFree += pages;
            cc.FreeScanned += pages - 1;
            total += pages;
            if ((ulong)cc.Migrating <= cc.NrFree)
            {
                pfn += pages;
                break;
            }

            pfn += pages - 1;
        }

        _events = _events with { CompactIsolated = _events.CompactIsolated + total };
        return Math.Min(pfn, end);
    }

    /// <summary>release_free_list: the isolated free pages left over given back to the buddy allocator.</summary>
    private void ReleaseFreeList(CompactControl cc)
    {
        for (var order = 0; order < cc.FreePages.Length; order++)
        {
            foreach (var block in cc.FreePages[order])
            {
                for (var frame = block.Value; frame < block.Value + (1UL << order); frame++)
                {
                    var freed = _pages.FreePages(new Pfn(frame), new Buddy.Order(0));
                    System.Diagnostics.Debug.Assert(freed.IsOk, $"isolated free frame {frame} was not held");
                }
            }

            cc.FreePages[order].Clear();
        }

        cc.NrFree = 0;
    }
}
