using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>COMPACT_CLUSTER_MAX: the folios isolate_migratepages_block takes at a time.</summary>
    public const int CompactClusterMax = 32;

    /// <summary>sysctl_extfrag_threshold's default: below it a costly order's failure is for lack of memory.</summary>
    public const int ExtfragThreshold = 500;

    /// <summary>
    /// __alloc_pages_direct_compact at COMPACT_PRIO_SYNC_FULL for one zone: compact_zone, then compact_stall and
    /// compact_success or compact_fail (whether the order's watermark check passes now), unless it was skipped.
    /// </summary>
    public Result<CompactionRun> Compact(ZoneType zone, int order)
    {
        if (order is < 0 or > Order.Max)
        {
            return new InvalidCompactOrder(order);
        }

        if (zone != Zone.Type)
        {
            return new NoSuchZone(zone);
        }

        var run = CompactZone(order);
        if (run.Result != CompactResult.Skipped)
        {
            var success = WatermarkOk(order, Watermarks.Min);
            _events = _events with
            {
                CompactStall = _events.CompactStall + 1,
                CompactSuccess = _events.CompactSuccess + (success ? 1UL : 0),
                CompactFail = _events.CompactFail + (success ? 0 : 1UL),
            };
        }

        return run;
    }

    /// <summary>
    /// compact_zone: the suitability checks, then the migration scanner up from the zone's start and the free
    /// scanner down from its last pageblock until compact_finished says otherwise; isolated free pages left over
    /// go back.
    /// </summary>
    private CompactionRun CompactZone(int order)
    {
        // compaction_suit_allocation_order runs before the scanners are set: a run it ends reports them at 0.
        if (WatermarkOk(order, Watermarks.Min))
        {
            return new CompactionRun(CompactResult.Success, new Pfn(0), new Pfn(0));
        }

        if (!CompactionSuitable(order))
        {
            return new CompactionRun(CompactResult.Skipped, new Pfn(0), new Pfn(0));
        }

        var cc = new CompactControl(order, Zone.Start, PageblockStart(Zone.End.Value - 1));
        var result = CompactResult.Continue;
        var bound = new LoopBound((long)Zone.End.Value + 2);
        while ((result = CompactFinished(cc)) == CompactResult.Continue)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var isolated = IsolateMigratePages(cc);
            if (isolated.Count > 0 && !MigratePages(cc, isolated) && !ScannersMet(cc))
            {
                result = CompactResult.Contended;
                break;
            }
        }

        ReleaseFreeList(cc);
        _events = _events with
        {
            CompactMigrateScanned = _events.CompactMigrateScanned + cc.MigrateScanned,
            CompactFreeScanned = _events.CompactFreeScanned + cc.FreeScanned,
        };
        return new CompactionRun(result, cc.MigratePfn, cc.FreePfn);
    }

    /// <summary>
    /// __zone_watermark_ok with no reserves: free pages less the block's other pages above the mark, and for an
    /// order above 0 a free block of that order or more.
    /// </summary>
    private bool WatermarkOk(int order, ulong mark)
    {
        var free = _pages.Snapshot();
        var pages = (long)free.FreePages - ((1L << order) - 1);
        return pages > (long)mark && (order == 0 || free.Free.Any(b => b.Order.Value >= order));
    }

    /// <summary>
    /// compaction_suitable: order-0 pages above the mark plus compact_gap (and low - min for a costly order), and
    /// for a costly order a fragmentation index outside 0..extfrag_threshold.
    /// </summary>
    private bool CompactionSuitable(int order)
    {
        var mark = Watermarks.Min + (2UL << order) + (order > 3 ? Watermarks.Low - Watermarks.Min : 0);
        if (!WatermarkOk(0, mark))
        {
            return false;
        }

        var index = FragmentationIndex(order);
        return order <= 3 || index < 0 || index > ExtfragThreshold;
    }

    /// <summary>
    /// __fragmentation_index: 0 with no free block, -1000 when a block of the order is free, otherwise
    /// 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total.
    /// </summary>
    public long FragmentationIndex(int order)
    {
        var free = _pages.Snapshot().Free;
        if (free.Length == 0)
        {
            return 0;
        }

        if (free.Any(b => b.Order.Value >= order))
        {
            return -1000;
        }

        var pages = free.Aggregate(0UL, (sum, b) => sum + b.Order.Pages);
        return 1000 - (long)((1000 + (pages * 1000 / (1UL << order))) / (ulong)free.Length);
    }

    /// <summary>compact_scanners_met: the free scanner's pageblock at or below the migration scanner's.</summary>
    private static bool ScannersMet(CompactControl cc) =>
        cc.FreePfn.Value >> ReclaimConfig.PageblockOrder <= cc.MigratePfn.Value >> ReclaimConfig.PageblockOrder;

    /// <summary>
    /// __compact_finished: COMPLETE when the scanners met (a whole-zone run); otherwise, at a pageblock boundary,
    /// SUCCESS once a free block of the order is in the free lists; CONTINUE.
    /// </summary>
    private CompactResult CompactFinished(CompactControl cc)
    {
        if (ScannersMet(cc))
        {
            return CompactResult.Complete;
        }

        if (cc.MigratePfn.Value % ReclaimConfig.PageblockPages != 0)
        {
            return CompactResult.Continue;
        }

        return _pages.Snapshot().Free.Any(b => b.Order.Value >= cc.Order)
            ? CompactResult.Success : CompactResult.Continue;
    }

    private static Pfn PageblockStart(ulong pfn) => new(pfn & ~(ReclaimConfig.PageblockPages - 1));

    private static ulong PageblockEnd(ulong pfn) => (pfn | (ReclaimConfig.PageblockPages - 1)) + 1;

    /// <summary>struct compact_control: the order, the two scanners, the isolated free pages, the counts.</summary>
    private sealed class CompactControl(int order, Pfn migratePfn, Pfn freePfn)
    {
        public int Order { get; } = order;

        public Pfn MigratePfn { get; set; } = migratePfn;

        public Pfn FreePfn { get; set; } = freePfn;

        /// <summary>
        /// cc->freepages[order]: isolated free blocks, each list in the order compaction_alloc takes.
        /// </summary>
        public List<Pfn>[] FreePages { get; } =
            [.. Enumerable.Range(0, Buddy.Order.Count).Select(_ => new List<Pfn>())];

        /// <summary>compact_zone's last_migrated_pfn: the pageblock start of the last isolation, 0 at first.</summary>
        public Pfn LastMigratedPfn { get; set; }

        /// <summary>cc->nr_migratepages: the isolated folios not yet migrated or failed.</summary>
        public int Migrating { get; set; }

        /// <summary>cc->nr_freepages: the isolated free pages not yet used.</summary>
        public ulong NrFree { get; set; }

        public ulong MigrateScanned { get; set; }

        public ulong FreeScanned { get; set; }
    }
}
