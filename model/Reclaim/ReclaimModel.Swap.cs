using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    /// <summary>SWAP_FLAG_PRIO_MASK: swapon's priorities are 0..32767.</summary>
    public const int MaxSwapPriority = 0x7fff;

    /// <summary>The largest swap area MMSpec simulates, in slots (4 GiB).</summary>
    public const ulong MaxSwapSlots = 1UL << 20;

    private readonly SortedDictionary<int, SwapArea> _swap = [];
    private readonly Dictionary<SwapEntry, Pfn> _swapCache = [];
    // least_priority starts at -1 and is decremented before use: the first area without a priority gets -2.
    private int _leastPriority = -1;

    // init_mm.mmlist: the address spaces that ever held a swap entry, in the order try_to_unuse visits them.
    private readonly List<int> _mmlist = [];

    // shmem_swaplist: the shmem objects that put a page on swap, the most recent first.
    private readonly List<int> _shmemSwaplist = [];
    private int _swapons;

    public Result<SwapType> Swapon(ulong slots, int? priority)
    {
        if (priority is < 0 or > MaxSwapPriority)
        {
            return new InvalidSwapPriority(priority.Value);
        }

        // alloc_swap_info refuses a 33rd area before the size is read.
        if (_swap.Count == SwapType.Max)
        {
            return new TooManySwapAreas(SwapType.Max);
        }

        if (slots is < 2 or > MaxSwapSlots)
        {
            return new InvalidSwapAreaSize(slots, MaxSwapSlots);
        }

        // alloc_swap_info takes the first free type; an area without a priority gets --least_priority.
        var type = Enumerable.Range(0, SwapType.Max).First(t => !_swap.ContainsKey(t));
        _swap[type] = new SwapArea(new SwapType(type), priority ?? --_leastPriority, slots, _swapons++);
        return new SwapType(type);
    }

    /// <summary>swapoff: try_to_unuse brings every page back, then the area goes and the priorities close up.</summary>
    public Result<Unit> Swapoff(SwapType type)
    {
        if (!_swap.TryGetValue(type.Value, out var area))
        {
            return new UnknownSwapArea(type);
        }

        var toRead = (ulong)Enumerable.Range(1, (int)area.Slots - 1)
            .Count(s => area.Count[s] > 0 && !area.Cache[s]);
        var free = Allocatable();
        if (toRead > free)
        {
            return new SwapAreaBusy(type, toRead, free);
        }

        TryToUnuse(area);
        _swap.Remove(type.Value);
        if (area.Priority < 0)
        {
            foreach (var lower in _swap.Values.Where(a => a.Priority < area.Priority))
            {
                lower.Priority++;
            }

            _leastPriority++;
        }

        return Unit.Value;
    }

    /// <summary>
    /// try_to_unuse: shmem_unuse (the objects on shmem_swaplist in its order, each by index; one with nothing left on
    /// swap leaves the list), then unuse_mm for the address spaces on the mmlist in its order (addresses ascending),
    /// then the swap cache emptied.
    /// </summary>
    private void TryToUnuse(SwapArea area)
    {
        foreach (var obj in _shmemSwaplist.ToList())
        {
            var shmem = _shmem[obj];
            foreach (var index in shmem.Swapped.Where(s => s.Value.Type == area.Type).Select(s => s.Key).ToList())
            {
                ShmemFolio(obj, index, major: false);
            }

            if (shmem.Swapped.Count == 0)
            {
                _shmemSwaplist.Remove(obj);
            }
        }

        foreach (var space in _mmlist.Select(id => _mms[id]))
        {
            foreach (var (page, pte) in space.Ptes.ToList())
            {
                if (pte.Swap is { } entry && entry.Type == area.Type)
                {
                    // unuse_pte: mapped old and read-only (vm_page_prot of a private mapping), the reference dropped.
                    var folio = SwapCacheFolio(entry, major: false)!;
                    System.Diagnostics.Debug.Assert(folio is not null, "swapoff checked the free frames first");
                    space.Ptes[page] = new Pte(folio.Pfn, null, Writable: false, Young: false, Dirty: false);
                    SwapFree(entry);
                }
            }
        }

        foreach (var pfn in _swapCache.Where(c => c.Key.Type == area.Type).Select(c => c.Value).ToList())
        {
            DeleteFromSwapCache(_folios[pfn], dirty: true);
        }
    }

    public Result<SwapSlot> ReadSwapSlot(SwapEntry entry)
    {
        if (SlotError(entry) is { } error)
        {
            return error;
        }

        var area = Area(entry);
        return new SwapSlot(area.Count[entry.Offset], area.Cache[entry.Offset]);
    }

    private BadSwapEntry? SlotError(SwapEntry entry) =>
        !_swap.TryGetValue(entry.Type.Value, out var area) ? new BadSwapEntry(entry, "no such area")
        : entry.Offset == 0 ? new BadSwapEntry(entry, "the header")
        : entry.Offset >= area.Slots ? new BadSwapEntry(entry, "past the end")
        : !area.InUse(entry.Offset) ? new BadSwapEntry(entry, "a free slot") : null;

    private SwapArea Area(SwapEntry entry) => _swap[entry.Type.Value];

    /// <summary>Free slots over every area (nr_swap_pages).</summary>
    private ulong FreeSwapSlots() => (ulong)_swap.Values.Sum(a => (long)a.Usable - a.Used);

    /// <summary>vm_swap_full: more than half the swap slots in use.</summary>
    private bool SwapFull() => FreeSwapSlots() * 2 < (ulong)_swap.Values.Sum(a => (long)a.Usable);

    /// <summary>
    /// folio_alloc_swap: a slot from the highest-priority area with a free one (equal priorities in swapon order),
    /// its lowest. Null when every slot is taken.
    /// </summary>
    protected virtual SwapEntry? FolioAllocSwap()
    {
        foreach (var area in _swap.Values.OrderByDescending(a => a.Priority).ThenBy(a => a.Sequence))
        {
            for (ulong offset = 1; offset < area.Slots; offset++)
            {
                if (!area.InUse(offset))
                {
                    return new SwapEntry(area.Type, offset);
                }
            }
        }

        return null;
    }

    /// <summary>add_to_swap_cache: SWAP_HAS_CACHE set, the folio findable by its entry.</summary>
    private void AddToSwapCache(Folio folio, SwapEntry entry)
    {
        Area(entry).Cache[entry.Offset] = true;
        folio.Swap = entry;
        folio.Set(FolioFlags.SwapCache, true);
        _swapCache[entry] = folio.Pfn;
    }

    /// <summary>
    /// delete_from_swap_cache (with folio_free_swap's folio_set_dirty when <paramref name="dirty"/>): the folio out of
    /// the swap cache, SWAP_HAS_CACHE cleared, the slot free when no reference is left.
    /// </summary>
    private void DeleteFromSwapCache(Folio folio, bool dirty)
    {
        var entry = folio.Swap!.Value;
        var area = Area(entry);
        area.Cache[entry.Offset] = false;
        _swapCache.Remove(entry);
        folio.Swap = null;
        folio.Set(FolioFlags.SwapCache, false);
        folio.Set(FolioFlags.Dirty, dirty || folio.Has(FolioFlags.Dirty));
        area.ReleaseIfUnused(entry.Offset);
    }

    /// <summary>
    /// swap_duplicate: one more reference to the slot (a PTE copied at fork, or a PTE made at unmap).
    /// </summary>
    protected virtual void SwapDuplicate(SwapEntry entry) => Area(entry).Count[entry.Offset]++;

    /// <summary>copy_nonpresent_pte at fork: the child's swap PTE is one more reference to the slot.</summary>
    protected virtual void CopyNonpresentPte(SwapEntry entry) => SwapDuplicate(entry);

    /// <summary>swap_free: one reference dropped; a slot with none left and no cache is free.</summary>
    protected virtual void SwapFree(SwapEntry entry)
    {
        var area = Area(entry);
        System.Diagnostics.Debug.Assert(area.Count[entry.Offset] > 0, $"swap_free of {entry} with no reference");
        area.Count[entry.Offset]--;
        area.ReleaseIfUnused(entry.Offset);
    }

    /// <summary>
    /// free_swap_and_cache: the reference dropped; a slot left with only its cache has the folio reclaimed when no
    /// PTE maps it or swap is full (__try_to_reclaim_swap with TTRS_UNMAPPED | TTRS_FULL).
    /// </summary>
    private void FreeSwapAndCache(SwapEntry entry)
    {
        SwapFree(entry);
        if (Area(entry).Count[entry.Offset] == 0 && _swapCache.TryGetValue(entry, out var pfn))
        {
            var folio = _folios[pfn];
            var unmapped = MapCount(pfn) == 0;
            if (unmapped || SwapFull())
            {
                DeleteFromSwapCache(folio, dirty: true);
                if (unmapped && folio.Kind == FolioKind.Anon)
                {
                    FreeFolio(folio);
                }
            }
        }
    }

    private void CountSwapIn(bool major) => _events = _events with
    {
        PswpIn = _events.PswpIn + 1, PgPgIn = _events.PgPgIn + 4, PgMajFault = _events.PgMajFault + (major ? 1UL : 0),
    };

    /// <summary>One swap area: swap_map (counts and SWAP_HAS_CACHE) and what the device holds, per slot.</summary>
    private sealed class SwapArea(SwapType type, int priority, ulong slots, int sequence)
    {
        public SwapType Type { get; } = type;

        public int Priority { get; set; } = priority;

        public ulong Slots { get; } = slots;

        public int Sequence { get; } = sequence;

        public int[] Count { get; } = new int[slots];

        public bool[] Cache { get; } = new bool[slots];

        public ulong[] Content { get; } = new ulong[slots];

        public long Usable => (long)Slots - 1;

        public long Used => Enumerable.Range(1, (int)Slots - 1).LongCount(s => InUse((ulong)s));

        public bool InUse(ulong offset) => Count[offset] > 0 || Cache[offset];

        public void ReleaseIfUnused(ulong offset)
        {
            if (!InUse(offset))
            {
                Content[offset] = 0;
            }
        }
    }
}
