using System.Diagnostics;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>shrink_folio_list's steps for one isolated folio (docs/reclaim.md, 6.18's order), and pageout.</summary>
public sealed partial class ReclaimSystem
{
    /// <summary>
    /// One folio through shrink_folio_list: pinned (keep); under writeback (PG_reclaim, activate);
    /// folio_check_references unless ignored; a swap slot for an anonymous folio (none: activate; then dirty);
    /// try_to_unmap; a dirty file page left to the flushers (PG_reclaim, activate), a dirty anonymous or shmem one
    /// written out (pageout); then __remove_mapping and the frame freed.
    /// </summary>
    private Fate ShrinkFolio(int pfn, bool ignoreReferences, ref ulong pageout)
    {
        if (_pins[pfn] > 0)
        {
            return Fate.Keep;
        }

        if (Has(pfn, FolioFlags.Writeback))
        {
            Set(pfn, FolioFlags.Reclaim);
            return Fate.Activate;
        }

        var reclaimClean = false;
        if (!ignoreReferences && CheckReferences(pfn, out reclaimClean) is { } decided)
        {
            return decided;
        }

        var kind = KindOf(pfn);
        if (kind == FolioKind.Anon && !InSwapCache(pfn))
        {
            if (!AllocSwap(pfn))
            {
                return Fate.Activate;
            }

            Set(pfn, FolioFlags.Dirty);
        }

        if (_mapCount[pfn] > 0)
        {
            TryToUnmap(pfn);
        }

        if (Has(pfn, FolioFlags.Dirty))
        {
            if (kind == FolioKind.File)
            {
                Set(pfn, FolioFlags.Reclaim);
                return Fate.Activate;
            }

            Debug.Assert(!reclaimClean, "only file pages are reclaimed clean-only");
            if (!PageOutFolio(pfn))
            {
                return Fate.Activate;
            }

            pageout++;
        }

        RemoveMapping(pfn);
        return Fate.Freed;
    }

    /// <summary>
    /// pageout of an anonymous or shmem folio: shmem_writeout first moves a shmem folio from the page cache to the
    /// swap cache under a new slot (its index now holds the entry, count 1; false when no slot is free); then
    /// swap_writeout writes the slot synchronously (pswpout, pgpgout) and the folio is clean.
    /// </summary>
    private bool PageOutFolio(int pfn)
    {
        if (KindOf(pfn) == FolioKind.Shmem)
        {
            if (!AllocSwap(pfn))
            {
                return false;
            }

            var shmem = _shmem[_object[pfn]];
            var entry = new SwapEntry(new SwapType(_swapType[pfn]), _swapOffset[pfn]);
            var firstSwapped = shmem.Swapped.Count == 0;
            shmem.Resident.Remove(_index[pfn]);
            shmem.Swapped.Add(_index[pfn], entry);
            SwapDuplicate(_swapType[pfn], _swapOffset[pfn]);
            if (firstSwapped && !_shmemSwaplist.Contains(shmem.Id))
            {
                _shmemSwaplist.Insert(0, shmem.Id);
            }
        }

        _swap[_swapType[pfn]]!.Write(_swapOffset[pfn], _content[pfn]);
        _events.PswpOut++;
        _events.PgPgOut += 4;
        Clear(pfn, FolioFlags.Dirty);
        return true;
    }

    /// <summary>
    /// __remove_mapping and the free: a swap-cache folio leaves the swap cache (SWAP_HAS_CACHE cleared), a page
    /// cache folio its file or shmem object; the frame goes back to the buddy allocator.
    /// </summary>
    private void RemoveMapping(int pfn)
    {
        Debug.Assert(_mapCount[pfn] == 0 && !Has(pfn, FolioFlags.Dirty), "a clean unmapped folio");
        if (InSwapCache(pfn))
        {
            SwapCacheDelete(pfn);
        }
        else
        {
            PageCacheDelete(pfn);
        }

        FreeFolio(pfn);
    }
}
