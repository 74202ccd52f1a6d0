using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>
    /// do_swap_page: the folio from the swap cache, or read from the slot into a new one (a major fault); the PTE's
    /// reference dropped (swap_free) and the page mapped young, writable when this was its only reference; the swap
    /// copy freed at once when swap is over half full or a write fault has the folio to itself
    /// (should_try_to_free_swap); a write the PTE does not allow goes on to do_wp_page.
    /// </summary>
    private Result<Pfn?> DoSwapPage(Mm space, MappingState mapping, ulong page, SwapEntry entry, bool write)
    {
        if (SlotError(entry) is { } bad || Area(entry).Count[entry.Offset] == 0)
        {
            return SlotError(entry) ?? new BadSwapEntry(entry, "a swap PTE names a slot with no reference");
        }

        var exclusive = Area(entry).Count[entry.Offset] == 1
            && !(_swapCache.TryGetValue(entry, out var cached) && MapCount(cached) > 0);
        if (SwapCacheFolio(entry, major: true) is not { } folio)
        {
            return new ReclaimOutOfMemory($"swapping in {entry} at {new VirtAddr(page)}");
        }

        var writable = exclusive && mapping.Kind == MapKind.Anon;
        space.Ptes[page] = new Pte(folio.Pfn, null, writable, Young: true, Dirty: write && writable);
        SwapFree(entry);
        if (ShouldTryToFreeSwap(folio, write) && Area(entry).Count[entry.Offset] == 0)
        {
            DeleteFromSwapCache(folio, dirty: true);
        }

        return write && !writable ? WriteProtectFault(space, mapping, page, space.Ptes[page]) : folio.Pfn;
    }

    /// <summary>should_try_to_free_swap: swap over half full, or a write fault on a folio mapped only here.</summary>
    private bool ShouldTryToFreeSwap(Folio folio, bool write) =>
        folio.Swap is not null && (SwapFull() || (write && MapCount(folio.Pfn) == 1));

    /// <summary>
    /// swap_cache_get_folio, else a new folio read from the slot and added to the swap cache (swapin_readahead of
    /// one page; pswpin, pgpgin). Null with no free frame.
    /// </summary>
    private Folio? SwapCacheFolio(SwapEntry entry, bool major)
    {
        if (_swapCache.TryGetValue(entry, out var cached))
        {
            return _folios[cached];
        }

        var folio = NewFolio(FolioKind.Anon, -1, 0, ReadSlot(entry));
        if (folio is null)
        {
            return null;
        }

        AddToSwapCache(folio, entry);
        CountSwapIn(major);
        return folio;
    }

    /// <summary>swap_read_folio: what the device holds at the slot.</summary>
    protected virtual ulong ReadSlot(SwapEntry entry) => Area(entry).Content[entry.Offset];
}
