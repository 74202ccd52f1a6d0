using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>swapon, swapoff (try_to_unuse) and the swap_map read of one slot.</summary>
public sealed partial class ReclaimSystem
{
    /// <summary>The most slots an area has here (InvalidSwapAreaSize names it).</summary>
    private const ulong MaxSwapSlots = 1UL << 20;

    /// <summary>SWAP_FLAG_PRIO_MASK: the highest priority swapon can express.</summary>
    private const int MaxSwapPriority = 0x7fff;

    /// <summary>
    /// sys_swapon, checked in docs/reclaim.md's order: the priority (0..32767, SWAP_FLAG_PRIO_MASK), a free type (the
    /// lowest: alloc_swap_info, EPERM when 32 are on, before the header is read), then the size (2 to 2^20 slots).
    /// Without a priority the area gets --least_priority (least_priority starts at -1: -2, -3, ...).
    /// </summary>
    public Result<SwapType> Swapon(ulong slots, int? priority)
    {
        if (priority is < 0 or > MaxSwapPriority)
        {
            return new InvalidSwapPriority(priority.Value);
        }

        var type = Array.IndexOf(_swap, null);
        if (type < 0)
        {
            return new TooManySwapAreas(SwapType.Max);
        }

        if (slots is < 2 or > MaxSwapSlots)
        {
            return new InvalidSwapAreaSize(slots, MaxSwapSlots);
        }

        var prio = priority ?? --_leastPriority;
        _swap[type] = new SwapArea(new SwapType(type), prio, slots, _swapons++);
        return new SwapType(type);
    }

    /// <summary>
    /// sys_swapoff: the area off the available list, every page on it brought back (try_to_unuse), then gone; an
    /// area of negative priority raises every area after it by one, and least_priority with them. Refused, with
    /// nothing changed, when fewer frames are free than the slots in use need read (those with no swap-cache folio).
    /// </summary>
    public Result<Unit> Swapoff(SwapType type)
    {
        if (type.Value is < 0 or >= SwapType.Max || _swap[type.Value] is not { } area)
        {
            return new UnknownSwapArea(type);
        }

        var free = AllocatableFrames();
        var toRead = area.SlotsToRead();
        if (free < toRead)
        {
            return new SwapAreaBusy(type, toRead, free);
        }

        TryToUnuse(area);
        _swap[type.Value] = null;
        if (area.Priority < 0)
        {
            foreach (var other in AreasOn())
            {
                if (other.Priority < area.Priority || (other.Priority == area.Priority && other.Order > area.Order))
                {
                    other.Priority++;
                }
            }

            _leastPriority++;
        }

        return Unit.Value;
    }

    /// <summary>si->swap_map[offset] of a slot in use (count and SWAP_HAS_CACHE).</summary>
    public Result<SwapSlot> ReadSwapSlot(SwapEntry entry)
    {
        var type = entry.Type.Value;
        if (type is < 0 or >= SwapType.Max || _swap[type] is not { } area)
        {
            return new BadSwapEntry(entry, "no such area");
        }

        if (entry.Offset == 0)
        {
            return new BadSwapEntry(entry, "the header");
        }

        if (entry.Offset >= area.Slots)
        {
            return new BadSwapEntry(entry, "past the end");
        }

        return area.Used(entry.Offset)
            ? new SwapSlot(area.Count(entry.Offset), area.Cache(entry.Offset) >= 0)
            : new BadSwapEntry(entry, "a free slot");
    }

    /// <summary>
    /// try_to_unuse: shmem_unuse (the objects on shmem_swaplist, most recently swapped first, each by index), then
    /// unuse_mm for every address space on the mmlist (its anonymous mappings in address order: the page from the
    /// swap cache or read in, mapped old with the mapping's vm_page_prot, read-only for private memory, and
    /// folio_free_swap), then every slot left with only the cache loses its folio (folio_free_swap).
    /// </summary>
    private void TryToUnuse(SwapArea area)
    {
        foreach (var id in _shmemSwaplist.ToArray())
        {
            var shmem = _shmem[id];
            foreach (var (index, entry) in shmem.Swapped.Where(s => s.Value.Type == area.Type).OrderBy(s => s.Key)
                .ToArray())
            {
                ShmemSwapIn(shmem, index, entry);
            }

            if (shmem.Swapped.Count == 0)
            {
                _shmemSwaplist.Remove(id);
            }
        }

        foreach (var id in _mmlist)
        {
            UnuseMm(_mms[id], area);
        }

        for (var offset = 1UL; offset < area.Covered; offset++)
        {
            if (area.Cache(offset) is var pfn and >= 0)
            {
                FolioFreeSwap(pfn);
                if (_mapCount[pfn] == 0 && !InSwapCache(pfn))
                {
                    FreeFolio(pfn);
                }
            }
        }

        Debug.Assert(area.InUse == 0, "try_to_unuse leaves no slot in use");
    }

    /// <summary>unuse_mm / unuse_pte_range for one address space.</summary>
    private void UnuseMm(ReclaimMm m, SwapArea area)
    {
        foreach (var mapping in m.Mappings)
        {
            if (mapping.Kind != MapKind.Anon)
            {
                continue;
            }

            EntriesIn(m, mapping);
            foreach (var vpn in _vpns)
            {
                var pte = m.Ptes[vpn];
                if (!pte.IsSwap || pte.SwapType != area.Type.Value)
                {
                    continue;
                }

                var pfn = SwapCacheFolio(area, pte.SwapOffset, out _);
                SwapFree(pte.SwapType, pte.SwapOffset);
                MapPage(m, vpn, pfn, writable: false, young: false, dirty: false);
                FolioFreeSwap(pfn);
            }
        }
    }
}
