using System.Diagnostics;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// The swap_map and the swap cache (mm/swapfile.c, mm/swap_state.c): slot allocation by priority, the references
/// PTEs and shmem hold (swap_duplicate, swap_free, free_swap_and_cache), SWAP_HAS_CACHE, vm_swap_full.
/// </summary>
public sealed partial class ReclaimSystem
{
    /// <summary>The swap_info entries that are on (SWP_USED), by type.</summary>
    private IEnumerable<SwapArea> AreasOn() => _swap.OfType<SwapArea>();

    /// <summary>get_nr_swap_pages: free slots over every area.</summary>
    private ulong FreeSwapSlots()
    {
        var free = 0UL;
        foreach (var area in _swap)
        {
            free += area?.Free ?? 0;
        }

        return free;
    }

    /// <summary>total_swap_pages: the usable slots of the areas that are on.</summary>
    private ulong TotalSwapSlots()
    {
        var total = 0UL;
        foreach (var area in _swap)
        {
            total += area is null ? 0 : area.Slots - 1;
        }

        return total;
    }

    /// <summary>vm_swap_full: more than half the swap slots in use (nr_swap_pages * 2 &lt; total_swap_pages).</summary>
    private bool SwapFull() => FreeSwapSlots() * 2 < TotalSwapSlots();

    /// <summary>The swap_map count of the slot a swap-cache folio holds.</summary>
    private int SlotCount(int pfn) => _swap[_swapType[pfn]]!.Count(_swapOffset[pfn]);

    /// <summary>
    /// folio_alloc_swap: the lowest free slot of the highest-priority area with one (equal priorities: the earlier
    /// swapon), the folio added to the swap cache under it (SWAP_HAS_CACHE). False when no slot is free.
    /// </summary>
    private bool AllocSwap(int pfn)
    {
        SwapArea? best = null;
        foreach (var area in _swap)
        {
            if (area is { Free: > 0 } && (best is null || area.Priority > best.Priority
                || (area.Priority == best.Priority && area.Order < best.Order)))
            {
                best = area;
            }
        }

        if (best is null)
        {
            return false;
        }

        _swapType[pfn] = best.Type.Value;
        _swapOffset[pfn] = best.Allocate(pfn);
        return true;
    }

    /// <summary>
    /// swap_cache_del_folio and put_swap_folio: the folio leaves the swap cache, SWAP_HAS_CACHE is cleared (a slot
    /// with no count left is free again).
    /// </summary>
    private void SwapCacheDelete(int pfn)
    {
        var area = _swap[_swapType[pfn]]!;
        Debug.Assert(area.Cache(_swapOffset[pfn]) == pfn, "the slot names the folio");
        area.SetCache(_swapOffset[pfn], -1);
        _swapType[pfn] = -1;
    }

    /// <summary>
    /// folio_free_swap: a swap-cache folio whose slot nothing else names leaves the swap cache; the only copy of
    /// its data is now in memory, so it is dirtied (folio_set_dirty).
    /// </summary>
    private void FolioFreeSwap(int pfn)
    {
        if (!InSwapCache(pfn) || SlotCount(pfn) > 0)
        {
            return;
        }

        SwapCacheDelete(pfn);
        Set(pfn, FolioFlags.Dirty);
    }

    /// <summary>swap_duplicate: one more reference (a PTE copied by fork, or made by try_to_unmap).</summary>
    private void SwapDuplicate(int type, ulong offset)
    {
        var area = _swap[type]!;
        Debug.Assert(area.Used(offset), "a reference to a slot in use");
        area.SetCount(offset, area.Count(offset) + 1);
    }

    /// <summary>swap_free: one reference dropped (the swap cache keeps the slot while it holds a folio).</summary>
    private void SwapFree(int type, ulong offset)
    {
        var area = _swap[type]!;
        Debug.Assert(area.Count(offset) > 0, "a slot with a reference");
        area.SetCount(offset, area.Count(offset) - 1);
    }

    /// <summary>
    /// free_swap_and_cache: one reference dropped; a slot left with only the cache has its folio reclaimed from the
    /// swap cache (__try_to_reclaim_swap with TTRS_UNMAPPED | TTRS_FULL): an unmapped folio leaves it and is freed,
    /// a mapped one leaves it (dirtied) only when swap is more than half full.
    /// </summary>
    private void FreeSwapAndCache(int type, ulong offset)
    {
        SwapFree(type, offset);
        var area = _swap[type]!;
        var pfn = area.Cache(offset);
        if (pfn < 0 || area.Count(offset) > 0)
        {
            return;
        }

        if (_mapCount[pfn] == 0)
        {
            SwapCacheDelete(pfn);
            FreeFolio(pfn);
        }
        else if (SwapFull())
        {
            FolioFreeSwap(pfn);
        }
    }

    /// <summary>
    /// do_swap_page: the swap cache looked up; a miss on a slot only this entry holds skips the swap cache
    /// (SWP_SYNCHRONOUS_IO, __swap_count 1); any other miss is read into a new folio added to the swap cache (a
    /// major fault either way); the entry's reference dropped; should_try_to_free_swap (swap more than half full,
    /// or a write with the folio mapped nowhere else) drops the folio from the swap cache when its slot has no
    /// reference left; mapped young, writable when the entry was the only reference to the page.
    /// </summary>
    private void SwapInPte(ReclaimMm m, ulong vpn, Pte pte, bool write)
    {
        var area = _swap[pte.SwapType]!;
        Debug.Assert(area.Count(pte.SwapOffset) > 0, "a swap entry holds a reference to its slot");
        if (area.Cache(pte.SwapOffset) < 0 && area.Count(pte.SwapOffset) == 1)
        {
            SwapInSynchronous(m, vpn, pte, write);
            return;
        }

        var pfn = SwapCacheFolio(area, pte.SwapOffset, out var read);
        _events.PgMajFault += read ? 1UL : 0;
        var exclusive = area.Count(pte.SwapOffset) == 1 && _mapCount[pfn] == 0;
        SwapFree(pte.SwapType, pte.SwapOffset);
        if (SwapFull() || (write && _mapCount[pfn] == 0))
        {
            FolioFreeSwap(pfn);
        }

        MapPage(m, vpn, pfn, writable: exclusive, young: true, dirty: write && exclusive);
    }

    /// <summary>
    /// do_swap_page's swapcache-skipping path: a new anonymous folio at the head of the inactive anon list, read
    /// from the slot at once (a major fault), the slot freed by swap_free (its only reference), the page mapped
    /// young and writable (the mapping is private anonymous memory), dirty on a write.
    /// </summary>
    private void SwapInSynchronous(ReclaimMm m, ulong vpn, Pte pte, bool write)
    {
        var area = _swap[pte.SwapType]!;
        var pfn = NewFolio(FolioKind.Anon, -1, 0, area.Content(pte.SwapOffset));
        LruAddHead(pfn);
        SwapReadIo();
        _events.PgMajFault++;
        SwapFree(pte.SwapType, pte.SwapOffset);
        Debug.Assert(!area.Used(pte.SwapOffset), "the slot had no other reference and no cache");
        MapPage(m, vpn, pfn, writable: true, young: true, dirty: write);
    }

    /// <summary>
    /// shmem_swapin_folio: the page read into a new folio in the page cache (not the swap cache), dirtied since the
    /// slot is freed (its only copy is in memory now), on the inactive anon list.
    /// </summary>
    private int ShmemSwapIn(ShmemObject shmem, ulong index, SwapEntry entry)
    {
        var area = _swap[entry.Type.Value]!;
        Debug.Assert(area.Cache(entry.Offset) < 0, "a shmem slot holds no swap-cache folio between operations");
        var pfn = NewFolio(FolioKind.Shmem, shmem.Id, index, area.Content(entry.Offset));
        Set(pfn, FolioFlags.Dirty);
        shmem.Swapped.Remove(index);
        shmem.Resident.Add(index, pfn);
        SwapFree(entry.Type.Value, entry.Offset);
        LruAddHead(pfn);
        SwapReadIo();
        return pfn;
    }

    /// <summary>
    /// swap_cache_get_folio, or on a miss read_swap_cache_async: a new anonymous folio read from the slot into the
    /// swap cache, at the head of the inactive anon list.
    /// </summary>
    private int SwapCacheFolio(SwapArea area, ulong offset, out bool read)
    {
        var pfn = area.Cache(offset);
        read = pfn < 0;
        if (read)
        {
            pfn = NewFolio(FolioKind.Anon, -1, 0, area.Content(offset));
            area.SetCache(offset, pfn);
            _swapType[pfn] = area.Type.Value;
            _swapOffset[pfn] = offset;
            LruAddHead(pfn);
            SwapReadIo();
        }

        return pfn;
    }

    /// <summary>swap_read_folio: one page read from the device (pswpin, and pgpgin in KiB).</summary>
    private void SwapReadIo()
    {
        _events.PswpIn++;
        _events.PgPgIn += 4;
    }
}
