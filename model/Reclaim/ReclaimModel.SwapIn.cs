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
        var bad = SlotError(entry)
            ?? (Area(entry).Count[entry.Offset] == 0 ? new BadSwapEntry(entry, "no reference holds the slot") : null);
        if (bad is not null)
        {
            return bad;
        }

        var inCache = _swapCache.TryGetValue(entry, out var cached);
        var exclusive = Area(entry).Count[entry.Offset] == 1 && !(inCache && MapCount(cached) > 0);

        // A write that will copy needs its copy's frame too: both frames are checked first, so that a fault that
        // cannot finish changes nothing.
        var frames = (inCache ? 0UL : 1) + (write && !exclusive ? 1UL : 0);
        if (Allocatable() < frames)
        {
            return OutOfFrames(frames);
        }

        if (!inCache && Area(entry).Count[entry.Offset] == 1)
        {
            return SwapInSkippingCache(space, page, entry, write);
        }

        if (SwapCacheFolio(entry, major: true) is not { } folio)
        {
            return OutOfFrames(1);
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

    /// <summary>
    /// do_swap_page on a SWP_SYNCHRONOUS_IO device (zram, pmem) for a slot only this PTE holds: the swap cache
    /// skipped, a new folio read at once, the slot freed by swap_free, the page mapped writable (exclusive).
    /// </summary>
    private Pfn? SwapInSkippingCache(Mm space, ulong page, SwapEntry entry, bool write)
    {
        var folio = NewFolio(FolioKind.Anon, -1, 0, ReadSlot(entry))!;
        CountSwapIn(major: true);
        space.Ptes[page] = new Pte(folio.Pfn, null, Writable: true, Young: true, Dirty: write);
        SwapFree(entry);
        return folio.Pfn;
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
