using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// One swap area (a swap_info_struct): its swap_map as a count per slot (the PTEs and shmem indexes holding the
/// entry) beside the swap cache's folio per slot (SWAP_HAS_CACHE while it is there), and what the device holds in
/// each slot. The arrays grow to the highest slot used, so a huge area costs nothing until its slots are taken;
/// the lowest free slot is found from a hint below which every slot is in use (si->lowest_bit).
/// </summary>
internal sealed class SwapArea
{
    private const int InitialSlots = 64;

    private int[] _count = [];
    private int[] _cache = [];
    private ulong[] _content = [];
    private ulong _lowestFree = 1;

    public SwapArea(SwapType type, int priority, ulong slots, long order)
    {
        Type = type;
        Priority = priority;
        Slots = slots;
        Order = order;
    }

    public SwapType Type { get; }

    public int Priority { get; set; }

    /// <summary>Slots, the header included.</summary>
    public ulong Slots { get; }

    /// <summary>When swapon ran: ties of priority go to the earlier area.</summary>
    public long Order { get; }

    /// <summary>si->inuse_pages: slots holding a count or the cache.</summary>
    public ulong InUse { get; private set; }

    /// <summary>Free slots (the header is never one): this area's share of nr_swap_pages.</summary>
    public ulong Free => Slots - 1 - InUse;

    /// <summary>One past the highest slot the arrays cover: no slot at or above it was ever used.</summary>
    public ulong Covered => (ulong)_count.Length;

    public int Count(ulong offset) => offset < Covered ? _count[offset] : 0;

    /// <summary>The folio in the swap cache for the slot, or -1.</summary>
    public int Cache(ulong offset) => offset < Covered ? _cache[offset] : -1;

    public ulong Content(ulong offset) => offset < Covered ? _content[offset] : 0;

    public bool Used(ulong offset) => Count(offset) > 0 || Cache(offset) >= 0;

    /// <summary>The slots in use whose page is in no swap-cache folio: what try_to_unuse must read in.</summary>
    public ulong SlotsToRead()
    {
        var toRead = 0UL;
        for (var offset = 1; offset < _count.Length; offset++)
        {
            toRead += _count[offset] > 0 && _cache[offset] < 0 ? 1UL : 0;
        }

        return toRead;
    }

    /// <summary>
    /// The lowest free slot (the area has one), taken for the swap cache's folio (folio_alloc_swap: SWAP_HAS_CACHE).
    /// </summary>
    public ulong Allocate(int folio)
    {
        Debug.Assert(Free > 0, "an area with a free slot");
        var offset = _lowestFree;
        var bound = new LoopBound((long)InUse + 1);
        while (Used(offset))
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            offset++;
        }

        Debug.Assert(offset < Slots, "the free slot lies inside the area");
        Set(offset, 0, folio);
        _lowestFree = offset + 1;
        return offset;
    }

    public void SetCount(ulong offset, int count) => Set(offset, count, Cache(offset));

    public void SetCache(ulong offset, int folio) => Set(offset, Count(offset), folio);

    /// <summary>swap_writepage: what the device holds in the slot from now on.</summary>
    public void Write(ulong offset, ulong content)
    {
        Debug.Assert(offset < Covered, "a slot in use");
        _content[offset] = content;
    }

    /// <summary>Updates one slot and the in-use count; a slot freed lowers the free-slot hint.</summary>
    private void Set(ulong offset, int count, int folio)
    {
        Debug.Assert(offset >= 1 && offset < Slots && count >= 0, "a usable slot");
        var wasUsed = Used(offset);
        Grow(offset);
        _count[offset] = count;
        _cache[offset] = folio;
        var isUsed = count > 0 || folio >= 0;
        InUse = InUse + (isUsed ? 1UL : 0) - (wasUsed ? 1UL : 0);
        if (!isUsed && offset < _lowestFree)
        {
            _lowestFree = offset;
        }
    }

    private void Grow(ulong offset)
    {
        if (offset < Covered)
        {
            return;
        }

        Debug.Assert(offset < int.MaxValue, "slots in use stay below what an array indexes");
        var size = (int)Math.Min(Slots, Math.Max(Math.Max(Covered * 2, offset + 1), InitialSlots));
        var old = _count.Length;
        Array.Resize(ref _count, size);
        Array.Resize(ref _content, size);
        Array.Resize(ref _cache, size);
        Array.Fill(_cache, -1, old, size - old);
    }
}
