using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>
    /// isolate_migratepages: the pageblock at the migration scanner, if it ends at or below the free scanner, through
    /// isolate_migratepages_block (folios under writeback are skipped: MIGRATE_SYNC_LIGHT isolates with
    /// ISOLATE_ASYNC_MIGRATE); the scanner moves to the pfn after the last one looked at. compact_zone's
    /// finish_pageblock lifts the cap of 32 when the last isolation was in the same pageblock (last_migrated_pfn
    /// starts at 0, so in the zone's first pageblock from the start).
    /// </summary>
    private List<Folio> IsolateMigratePages(CompactControl cc)
    {
        var low = cc.MigratePfn.Value;
        var end = PageblockEnd(low);
        if (end > cc.FreePfn.Value)
        {
            return [];
        }

        var finishPageblock = PageblockStart(cc.LastMigratedPfn.Value) == PageblockStart(low);

        var isolated = new List<Folio>();
        var heads = FreeBlockHeads();
        var pfn = low;
        for (; pfn < end; pfn++)
        {
            cc.MigrateScanned++;
            if (heads.TryGetValue(pfn, out var order))
            {
                // A free buddy page: skip the whole block.
                pfn += (1UL << order) - 1;
                cc.MigrateScanned += (1UL << order) - 1;
                continue;
            }

            if (_folios.TryGetValue(new Pfn(pfn), out var folio) && IsMovable(folio)
                && !folio.Has(FolioFlags.Writeback))
            {
                RemoveFromLru(folio);
                isolated.Add(folio);
                if (isolated.Count >= CompactClusterMax && !finishPageblock)
                {
                    pfn++;
                    break;
                }
            }
        }

        cc.MigratePfn = new Pfn(Math.Min(pfn, end));
        if (isolated.Count > 0)
        {
            cc.LastMigratedPfn = new Pfn(Math.Max(Zone.Start.Value, PageblockStart(cc.MigratePfn.Value - 1).Value));
        }

        _events = _events with { CompactIsolated = _events.CompactIsolated + (ulong)isolated.Count };
        return isolated;
    }

    /// <summary>
    /// What compaction may move: a folio on an LRU list that holds no pin (kernel pages, slab and page tables are
    /// never folios here).
    /// </summary>
    protected virtual bool IsMovable(FolioKind kind, int pins) => pins == 0;

    private bool IsMovable(Folio folio) => IsMovable(folio.Kind, folio.Pins);

    /// <summary>
    /// Whether try_to_migrate flushes each PTE it repoints from every TLB before the old frame is freed.
    /// </summary>
    protected virtual bool FlushesOnMigrate => true;

    /// <summary>
    /// migrate_pages with compaction_alloc: the isolated folios, the last isolated (highest pfn) first, each to the
    /// next target (none is under writeback: isolation skipped those); with no target left the rest fail and it
    /// returns false (-ENOMEM). Migrated folios join their lists first, then the failed ones go back.
    /// </summary>
    private bool MigratePages(CompactControl cc, List<Folio> isolated)
    {
        var failed = new List<Folio>();
        var enough = true;
        cc.Migrating = isolated.Count;
        for (var i = isolated.Count - 1; i >= 0; i--)
        {
            var folio = isolated[i];
            System.Diagnostics.Debug.Assert(!folio.Has(FolioFlags.Writeback), "a folio under writeback was isolated");
            if (!enough)
            {
                failed.Add(folio);
                cc.Migrating--;
                continue;
            }

            if (CompactionAlloc(cc) is not { } target)
            {
                enough = false;
                failed.Add(folio);
                cc.Migrating--;
                continue;
            }

            cc.Migrating--;
            MoveFolio(folio, target);
            _events = _events with { PgMigrateSuccess = _events.PgMigrateSuccess + 1 };
        }

        PutBack(failed);
        return enough;
    }

    /// <summary>
    /// migrate_folio_move: the content copied to the target, every PTE pointed at it with its bits (flushed on every
    /// CPU), the page-cache or swap-cache slot moved, the new folio at the head of its list, the old frame freed.
    /// </summary>
    private void MoveFolio(Folio folio, Pfn target)
    {
        var old = folio.Pfn;
        foreach (var (space, page, pte) in Mappers(old).ToList())
        {
            // try_to_migrate_one: a dirty PTE dirties the folio; the migration entry keeps A and D for the new PTE.
            if (pte.Dirty)
            {
                folio.Set(FolioFlags.Dirty, true);
            }

            space.Ptes[page] = pte with { Frame = target };
            if (FlushesOnMigrate)
            {
                FlushEverywhere(space.Id, page);
            }
        }

        _folios.Remove(old);
        folio.Pfn = target;
        _folios[target] = folio;
        if (folio.Swap is { } entry)
        {
            _swapCache[entry] = target;
        }
        else if (folio.Kind != FolioKind.Anon)
        {
            _pageCache[(folio.Kind, folio.Owner, folio.Index)] = target;
        }

        AddToLru(folio);
        var freed = _pages.FreePages(old, new Buddy.Order(0));
        System.Diagnostics.Debug.Assert(freed.IsOk, $"a migrated folio's old frame {old} was not allocated");
    }

    /// <summary>
    /// compaction_alloc: the first block of the smallest order among the isolated free pages, split (its upper
    /// halves to the heads of the lower lists), its first frame the target; with none, isolate_freepages once.
    /// </summary>
    private Pfn? CompactionAlloc(CompactControl cc)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var order = Array.FindIndex(cc.FreePages, list => list.Count > 0);
            if (order < 0)
            {
                if (attempt == 0)
                {
                    IsolateFreePages(cc);
                }

                continue;
            }

            var block = cc.FreePages[order][0];
            cc.FreePages[order].RemoveAt(0);
            for (var half = order - 1; half >= 0; half--)
            {
                cc.FreePages[half].Insert(0, new Pfn(block.Value + (1UL << half)));
            }

            cc.NrFree--;
            return block;
        }

        return null;
    }

    /// <summary>The free blocks' first frames and orders (PageBuddy and buddy_order).</summary>
    private Dictionary<ulong, int> FreeBlockHeads() =>
        _pages.Snapshot().Free.ToDictionary(b => b.Pfn.Value, b => b.Order.Value);
}
