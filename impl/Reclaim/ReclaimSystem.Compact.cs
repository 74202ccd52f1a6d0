using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// Direct compaction of one zone at COMPACT_PRIO_SYNC_FULL (mm/compaction.c): compaction_suit_allocation_order,
/// compact_zone's loop and compact_finished; the migration is in the Migrate part, the free scanner in FreeScanner.
/// </summary>
public sealed partial class ReclaimSystem
{
    private const int PageblockPages = (int)ReclaimConfig.PageblockPages;

    /// <summary>PAGE_ALLOC_COSTLY_ORDER.</summary>
    private const int CostlyOrder = 3;

    /// <summary>sysctl_extfrag_threshold's default.</summary>
    private const int ExtfragThreshold = 500;

    /// <summary>The compact_control of one run: the zone, the order, the scanners, the free pages isolated.</summary>
    private sealed class CompactControl(ZoneType zone, ZoneMarks marks, int order)
    {
        public ZoneType Zone { get; } = zone;

        public ZoneMarks Marks { get; } = marks;

        public int Order { get; } = order;

        public long MigratePfn { get; set; } = marks.Start;

        public long FreePfn { get; set; } = PageblockStart(marks.End - 1);

        /// <summary>compact_zone's last_migrated_pfn: the pageblock the last isolation taking a folio was in.</summary>
        public long LastMigratedPfn { get; set; }

        /// <summary>compact_scanners_met: the free scanner's pageblock at or below the migrate scanner's.</summary>
        public bool ScannersMet =>
            FreePfn >> ReclaimConfig.PageblockOrder <= MigratePfn >> ReclaimConfig.PageblockOrder;

        /// <summary>pageblock_end_pfn(migrate_pfn): the free scanner stays at or above it.</summary>
        public long FreeLow => PageblockStart(MigratePfn) + PageblockPages;

        /// <summary>cc->nr_migratepages: the isolated folios compaction_alloc has not given a target yet.</summary>
        public long Waiting { get; set; }
    }

    /// <summary>
    /// try_to_compact_pages for one zone: SUCCESS when the allocation would already succeed, SKIPPED when the zone
    /// is not compaction_suitable (scanners 0 and 0 for both: compact_control is zeroed); otherwise the scanners run
    /// until they meet (COMPLETE), a free block of the order appears at a pageblock boundary (SUCCESS) or the
    /// targets run out first (CONTENDED). Every result but SKIPPED counts a stall, with compact_success when the
    /// allocation would now succeed (get_page_from_freelist after the run), else compact_fail.
    /// </summary>
    public Result<CompactionRun> Compact(ZoneType zone, int order)
    {
        var at = 0;
        while (at < _zones.Length && _buddy.Layout.Zones[at].Type != zone)
        {
            at++;
        }

        if (at == _zones.Length)
        {
            return new NoSuchZone(zone);
        }

        if (order is < 0 or > Order.Max)
        {
            return new InvalidCompactOrder(order);
        }

        var marks = _zones[at];
        if (WatermarkOk(zone, marks, order))
        {
            _events.CompactStall++;
            _events.CompactSuccess++;
            return new CompactionRun(CompactResult.Success, new Pfn(0), new Pfn(0));
        }

        if (!CompactionSuitable(zone, marks, order))
        {
            return new CompactionRun(CompactResult.Skipped, new Pfn(0), new Pfn(0));
        }

        var cc = new CompactControl(zone, marks, order);
        var result = CompactZone(cc);
        _events.CompactStall++;
        if (WatermarkOk(zone, marks, order))
        {
            _events.CompactSuccess++;
        }
        else
        {
            _events.CompactFail++;
        }

        return new CompactionRun(result, new Pfn((ulong)cc.MigratePfn), new Pfn((ulong)cc.FreePfn));
    }

    private static long PageblockStart(long pfn) => pfn & ~(long)(PageblockPages - 1);

    /// <summary>
    /// compact_zone's loop: compact_finished, isolate_migratepages (every call moves migrate_pfn on), and
    /// migrate_pages with compaction_alloc for what it isolated; -ENOMEM before the scanners met ends the run
    /// CONTENDED. The free pages still isolated are freed at the end (release_free_list).
    /// </summary>
    private CompactResult CompactZone(CompactControl cc)
    {
        var bound = new LoopBound(cc.Marks.End - cc.Marks.Start + 2);
        CompactResult result;
        while ((result = CompactFinished(cc)) == CompactResult.Continue)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var isolated = IsolateMigratePages(cc);
            if (isolated > 0 && MigratePages(cc, isolated) && !cc.ScannersMet)
            {
                result = CompactResult.Contended;
                break;
            }
        }

        ReleaseFreePages();
        return result;
    }

    /// <summary>
    /// __compact_finished: COMPLETE once the scanners met (the whole zone was scanned); SUCCESS at a pageblock
    /// boundary when the zone has a free block of the order or more; else CONTINUE.
    /// </summary>
    private CompactResult CompactFinished(CompactControl cc)
    {
        if (cc.ScannersMet)
        {
            return CompactResult.Complete;
        }

        return cc.MigratePfn % PageblockPages == 0 && HasFreeBlock(cc.Zone, cc.Order)
            ? CompactResult.Success
            : CompactResult.Continue;
    }

    /// <summary>
    /// __zone_watermark_ok(order, min watermark): free pages less 2^order - 1 above the min watermark, and a free
    /// block of the order or more (compaction_suit_allocation_order's SUCCESS, and the allocation after a run).
    /// </summary>
    private bool WatermarkOk(ZoneType zone, ZoneMarks marks, int order) =>
        (long)FreePagesIn(zone) - ((1L << order) - 1) > (long)marks.Min && HasFreeBlock(zone, order);

    /// <summary>
    /// compaction_suitable: free pages above min + compact_gap(order) (2 &lt;&lt; order, plus low - min for a costly
    /// order), and for a costly order a fragmentation index outside 0..extfrag_threshold.
    /// </summary>
    private bool CompactionSuitable(ZoneType zone, ZoneMarks marks, int order)
    {
        var mark = marks.Min + (2UL << order) + (order > CostlyOrder ? marks.Low - marks.Min : 0);
        if (FreePagesIn(zone) <= mark)
        {
            return false;
        }

        return order <= CostlyOrder || FragmentationIndex(zone, order) is < 0 or > ExtfragThreshold;
    }

    /// <summary>
    /// __fragmentation_index: 0 with no free block, -1000 with a free block of the order, else
    /// 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total.
    /// </summary>
    private long FragmentationIndex(ZoneType zone, int order)
    {
        var (blocks, pages, suitable) = (0L, 0L, 0L);
        for (var o = 0; o <= Order.Max; o++)
        {
            long count = _buddy.NrFree(zone, new Order(o));
            blocks += count;
            pages += count << o;
            suitable += o >= order ? count : 0;
        }

        return blocks == 0 ? 0
            : suitable > 0 ? -1000
            : 1000 - ((1000 + (pages * 1000 / (1L << order))) / blocks);
    }

    /// <summary>A free block of the order or more in the zone (free_area_empty for each order from it up).</summary>
    private bool HasFreeBlock(ZoneType zone, int order)
    {
        for (var o = order; o <= Order.Max; o++)
        {
            if (_buddy.NrFree(zone, new Order(o)) > 0)
            {
                return true;
            }
        }

        return false;
    }
}
