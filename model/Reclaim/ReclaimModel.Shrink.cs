using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>What shrink_folio_list does with one folio (folio_check_references' outcomes, and freed).</summary>
    private enum Outcome
    {
        Freed,
        Activate,
        Keep,
    }

    /// <summary>enum folio_references.</summary>
    private enum FolioReference
    {
        Reclaim,
        ReclaimClean,
        Keep,
        Activate,
    }

    /// <summary>
    /// Whether try_to_unmap flushes each cleared PTE from every TLB (the batched flush before freeing).
    /// </summary>
    protected virtual bool FlushesOnUnmap => true;

    /// <summary>Whether try_to_unmap moves a dirty PTE's dirty bit to the folio (folio_mark_dirty).</summary>
    protected virtual bool UnmapKeepsDirty => true;

    /// <summary>
    /// shrink_folio_list over isolated folios, the first isolated first: how many were freed and written out, and
    /// the rest in that order, activated ones with PG_active set.
    /// </summary>
    private (ulong Reclaimed, ulong Pageout, List<Folio> Back) ShrinkFolioList(List<Folio> folios,
        bool ignoreReferences)
    {
        ulong reclaimed = 0;
        ulong pageout = 0;
        var back = new List<Folio>();
        foreach (var folio in folios)
        {
            switch (ShrinkFolio(folio, ignoreReferences, ref pageout))
            {
                case Outcome.Freed:
                    reclaimed++;
                    continue;
                case Outcome.Activate:
                    folio.Set(FolioFlags.Active, true);
                    _events = _events with { PgActivate = _events.PgActivate + 1 };
                    if (folio.Swap is { } entry && SwapFull() && Area(entry).Count[entry.Offset] == 0)
                    {
                        DeleteFromSwapCache(folio, dirty: true);
                    }

                    break;
            }

            back.Add(folio);
        }

        return (reclaimed, pageout, back);
    }

    /// <summary>
    /// One folio through shrink_folio_list's checks, in 6.18's order (docs/reclaim.md, steps 1 to 7).
    /// </summary>
    private Outcome ShrinkFolio(Folio folio, bool ignoreReferences, ref ulong pageout)
    {
        if (folio.Pins > 0)
        {
            return Outcome.Keep;
        }

        if (folio.Has(FolioFlags.Writeback))
        {
            folio.Set(FolioFlags.Reclaim, true);
            return Outcome.Activate;
        }

        var references = ignoreReferences ? FolioReference.Reclaim : FolioCheckReferences(folio);
        if (references is FolioReference.Activate or FolioReference.Keep)
        {
            return references == FolioReference.Activate ? Outcome.Activate : Outcome.Keep;
        }

        if (folio.Kind == FolioKind.Anon && folio.Swap is null && !AddToSwap(folio))
        {
            if (!ReclaimsAnonWithoutSwap)
            {
                return Outcome.Activate;
            }

            TryToUnmap(folio);
            ReleaseFrame(folio);
            return Outcome.Freed;
        }

        TryToUnmap(folio);
        if (folio.Has(FolioFlags.Dirty))
        {
            if (folio.Kind == FolioKind.File)
            {
                // 6.18 leaves dirty file folios to the flushers: PG_reclaim, and back to the active list.
                folio.Set(FolioFlags.Reclaim, true);
                return Outcome.Activate;
            }

            // A reclaim-clean folio is a file folio: a dirty one was activated above, so pageout never sees one.
            System.Diagnostics.Debug.Assert(references != FolioReference.ReclaimClean, "reclaim-clean and dirty");
            if (!Pageout(folio))
            {
                return Outcome.Activate;
            }

            pageout++;
        }

        RemoveMapping(folio);
        return Outcome.Freed;
    }

    /// <summary>
    /// Whether an anonymous folio that finds no swap slot is dropped all the same (it must be activated: without a
    /// slot its data has nowhere to go).
    /// </summary>
    protected virtual bool ReclaimsAnonWithoutSwap => false;

    /// <summary>
    /// folio_alloc_swap for reclaim: a slot, the folio in the swap cache and dirty (so the MADV_FREE race cannot lose
    /// it). False when no slot is free.
    /// </summary>
    private bool AddToSwap(Folio folio)
    {
        if (FolioAllocSwap() is not { } entry)
        {
            return false;
        }

        AddToSwapCache(folio, entry);
        folio.Set(FolioFlags.Dirty, true);
        return true;
    }

    /// <summary>folio_check_references: the young PTEs and PG_referenced decide (docs/reclaim.md, step 3).</summary>
    private FolioReference FolioCheckReferences(Folio folio)
    {
        var (young, exec) = FolioReferenced(folio);
        var referenced = folio.Has(FolioFlags.Referenced);
        folio.Set(FolioFlags.Referenced, false);
        if (young > 0)
        {
            folio.Set(FolioFlags.Referenced, true);
            return referenced || young > 1 || (exec && folio.Kind == FolioKind.File)
                ? FolioReference.Activate : FolioReference.Keep;
        }

        return referenced && folio.Kind == FolioKind.File ? FolioReference.ReclaimClean : FolioReference.Reclaim;
    }

    /// <summary>
    /// folio_referenced: every young PTE of the folio cleared and flushed (ptep_clear_flush_young); how many there
    /// were, and whether one was in an executable mapping.
    /// </summary>
    private (int Young, bool Exec) FolioReferenced(Folio folio)
    {
        var young = 0;
        var exec = false;
        foreach (var (space, page, pte) in Mappers(folio.Pfn).ToList())
        {
            if (!pte.Young)
            {
                continue;
            }

            young++;
            exec |= space.MappingAt(page)!.Kind == MapKind.FileExec;
            space.Ptes[page] = pte with { Young = false };
            FlushEverywhere(space.Id, page);
        }

        return (young, exec);
    }

    /// <summary>
    /// try_to_unmap: every PTE of the folio cleared (TLB entries flushed), its dirty bit moved to the folio; a
    /// swap-cache folio's PTEs become its swap entry, each a reference (swap_duplicate).
    /// </summary>
    private void TryToUnmap(Folio folio)
    {
        foreach (var (space, page, pte) in Mappers(folio.Pfn).ToList())
        {
            if (pte.Dirty && UnmapKeepsDirty)
            {
                folio.Set(FolioFlags.Dirty, true);
            }

            if (folio.Swap is { } entry)
            {
                SwapDuplicate(entry);
                space.Ptes[page] = new Pte(null, entry, Writable: false, Young: false, Dirty: false);
                if (!_mmlist.Contains(space.Id.Value))
                {
                    _mmlist.Insert(0, space.Id.Value);
                }
            }
            else
            {
                space.Ptes.Remove(page);
            }

            if (FlushesOnUnmap)
            {
                FlushEverywhere(space.Id, page);
            }
        }
    }

    /// <summary>
    /// pageout of an anonymous or shmem folio (swap_writeout, shmem_writeout): a shmem folio takes its slot and
    /// moves to the swap cache first; the content written, the folio clean at once (synchronous swap). False when a
    /// shmem folio finds no slot (AOP_WRITEPAGE_ACTIVATE).
    /// </summary>
    private bool Pageout(Folio folio)
    {
        if (folio.Kind == FolioKind.Shmem)
        {
            if (FolioAllocSwap() is not { } slot)
            {
                return false;
            }

            // shmem_writeout: out of the page cache, the object's index now the swap entry (swap_shmem_alloc).
            _pageCache.Remove((FolioKind.Shmem, folio.Owner, folio.Index));
            _shmem[folio.Owner].Swapped[folio.Index] = slot;
            if (!_shmemSwaplist.Contains(folio.Owner))
            {
                _shmemSwaplist.Insert(0, folio.Owner);
            }
            Area(slot).Count[slot.Offset] = 1;
            AddToSwapCache(folio, slot);
        }

        var entry = folio.Swap!.Value;
        Area(entry).Content[entry.Offset] = folio.Content;
        folio.Set(FolioFlags.Dirty, false);
        _events = _events with { PswpOut = _events.PswpOut + 1, PgPgOut = _events.PgPgOut + 4 };
        return true;
    }

    /// <summary>__remove_mapping: out of the swap cache or the page cache; the frame freed.</summary>
    private void RemoveMapping(Folio folio)
    {
        if (folio.Swap is not null)
        {
            DeleteFromSwapCache(folio, dirty: false);
        }
        else if (folio.Kind != FolioKind.Anon)
        {
            _pageCache.Remove((folio.Kind, folio.Owner, folio.Index));
        }

        ReleaseFrame(folio);
    }
}
