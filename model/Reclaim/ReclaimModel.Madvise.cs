using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    private VmEvents _events = new();

    // The pins each entry took (pin_user_pages through that address space's PTE), by address space and page.
    private readonly Dictionary<(int Mm, ulong Page), int> _pins = [];

    /// <summary>
    /// MADV_PAGEOUT of one page (madvise_cold_or_pageout_pte_range, reclaim_pages): a folio mapped by others is
    /// left alone; otherwise PG_referenced cleared, PG_workingset set on an active folio, and shrink_folio_list
    /// with references ignored.
    /// </summary>
    public Result<ulong> PageOut(AsId mm, VirtAddr addr)
    {
        var present = PresentFolio(mm, addr);
        if (!present.IsOk)
        {
            return present.Error!;
        }

        var folio = present.Value;
        if (folio.Pins > 0)
        {
            return new NotReclaimable(mm, addr, "pinned");
        }

        if (MapCount(folio.Pfn) > 1)
        {
            return 0UL;
        }

        folio.Set(FolioFlags.Referenced, false);
        folio.Set(FolioFlags.Workingset, folio.Has(FolioFlags.Workingset) || folio.Has(FolioFlags.Active));
        RemoveFromLru(folio);

        // reclaim_pages: folio_clear_active before shrink_folio_list, so a kept folio goes back inactive.
        folio.Set(FolioFlags.Active, false);
        var (reclaimed, _, back) = ShrinkFolioList([folio], ignoreReferences: true);
        PutBack(back);
        return reclaimed;
    }

    /// <summary>
    /// pin_user_pages with FOLL_WRITE: the page faulted in for writing (a fault sets its entry's bits; a present
    /// writable entry is left as it is), then one more pin.
    /// </summary>
    public Result<Unit> Pin(AsId mm, VirtAddr addr)
    {
        var checkedSpace = MmOf(mm);
        if (!checkedSpace.IsOk)
        {
            return checkedSpace.Error!;
        }

        var space = checkedSpace.Value;
        var page = PageOf(addr);
        if (space.MappingAt(page) is not { } mapping)
        {
            return new NotMapped(mm, addr);
        }

        if (mapping.Kind == MapKind.FileExec)
        {
            return new WriteToReadOnly(mm, addr);
        }

        var fault = Fault(space, mapping, page, write: true);
        if (!fault.IsOk)
        {
            return fault.Error!;
        }

        _folios[fault.Value!.Value].Pins++;
        _pins[(mm.Value, page)] = _pins.GetValueOrDefault((mm.Value, page)) + 1;
        return Unit.Value;
    }

    /// <summary>unpin_user_page.</summary>
    public Result<Unit> Unpin(AsId mm, VirtAddr addr)
    {
        var present = PresentFolio(mm, addr);
        if (!present.IsOk)
        {
            return present.Error is NotReclaimable ? new NotPinned(mm, addr) : present.Error!;
        }

        if (present.Value.Pins == 0)
        {
            return new NotPinned(mm, addr);
        }

        // unpin_user_page: a pin taken through this entry, else one taken through the first other entry mapping the
        // page (by address space, then address).
        var page = PageOf(addr);
        var owner = _pins.ContainsKey((mm.Value, page)) ? (mm.Value, page)
            : _rmap[present.Value.Pfn].First(m => _pins.ContainsKey(m));
        if (--_pins[owner] == 0)
        {
            _pins.Remove(owner);
        }

        present.Value.Pins--;
        return Unit.Value;
    }

    /// <summary>munmap and exit drop the pins taken through an entry with the entry (docs/reclaim.md).</summary>
    private void DropPins(AsId mm, ulong page, Pte pte)
    {
        if (pte.Frame is { } frame && _pins.Remove((mm.Value, page), out var pins))
        {
            _folios[frame].Pins -= pins;
        }
    }

    /// <summary>The folio a present PTE maps, or why there is none.</summary>
    private Result<Folio> PresentFolio(AsId mm, VirtAddr addr)
    {
        var checkedSpace = MmOf(mm);
        if (!checkedSpace.IsOk)
        {
            return checkedSpace.Error!;
        }

        var space = checkedSpace.Value;
        var page = PageOf(addr);
        if (space.MappingAt(page) is null)
        {
            return new NotMapped(mm, addr);
        }

        return space.Ptes.TryGetValue(page, out var pte) && pte.Frame is { } frame
            ? _folios[frame]
            : new NotReclaimable(mm, addr, "not present");
    }

    public Result<Unit> SetSwappiness(int value)
    {
        var swappiness = new Swappiness(value);
        if (!swappiness.IsValid)
        {
            return new SwappinessOutOfRange(value);
        }

        Swappiness = swappiness;
        return Unit.Value;
    }

    public Result<Pfn> KernelAlloc(Order order)
    {
        // A block that exists but would take the zone below the watermark: zone_watermark_ok refuses it.
        var free = _pages.Snapshot().FreePages;
        if (order.Value is >= 0 and <= Order.Max && free >= order.Pages && free - order.Pages < _watermark)
        {
            return new ReclaimOutOfMemory(order.Pages, Allocatable());
        }

        var block = _pages.AllocPages(order, ZoneType.Normal);
        if (block.IsOk)
        {
            _kernel[block.Value] = order;
        }

        return block;
    }

    public Result<Unit> KernelFree(Pfn pfn)
    {
        if (!_kernel.Remove(pfn, out var order))
        {
            return new NotKernelPage(pfn);
        }

        var freed = _pages.FreePages(pfn, order);
        System.Diagnostics.Debug.Assert(freed.IsOk, $"kernel block {pfn} order {order} was not allocated");
        return Unit.Value;
    }
}
