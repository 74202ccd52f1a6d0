using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using TlbEntry = MMSpec.Model.Reclaim.TlbEntry;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// The canonical snapshot, in the order docs/reclaim.md's "The snapshot" gives. A checker takes one after every
/// step and most steps change one page, so each part is compared with the last snapshot's and that part is reused
/// when equal (its records too, part by part): an unchanged part costs a walk, not an allocation, and a snapshot
/// equal to the last is the last (which lets a diff of the two stop at the reference).
/// </summary>
public sealed partial class ReclaimSystem
{
    private readonly ImmutableArray<FolioState>.Builder _folioParts = ImmutableArray.CreateBuilder<FolioState>();
    private ReclaimSnapshot? _snapshot;
    private int[] _tlbGenerations = [];

    /// <summary>The whole state, every part in its canonical order.</summary>
    public ReclaimSnapshot Snapshot()
    {
        var last = _snapshot;
        var next = new ReclaimSnapshot(Config, _swappiness, MmStates(last?.Mms ?? []), FolioStates(last?.Folios ?? []),
            LruStates(last?.Lru ?? []), SwapStates(last?.Swap ?? []), ShmemSwapStates(last?.ShmemSwap ?? []),
            DiskStates(last?.Disk ?? []), TlbStates(last?.Tlb), KernelStates(last?.KernelPages ?? []), _anonCost,
            _fileCost, _events.ToEvents() is var events && events == last?.Events ? last.Events : events,
            _buddy.Snapshot(), _watermark);
        return _snapshot = next == last ? last : next;
    }

    private ImmutableArray<FolioState> FolioStates(ImmutableArray<FolioState> last)
    {
        _folioParts.Clear();
        var (reused, at) = (0, 0);
        for (var pfn = 0; pfn < _kind.Length; pfn++)
        {
            if (!IsFolio(pfn))
            {
                continue;
            }

            while (at < last.Length && last[at].Pfn.Value < (ulong)pfn)
            {
                at++;
            }

            var keep = at < last.Length && last[at].Pfn.Value == (ulong)pfn && Matches(last[at], pfn);
            _folioParts.Add(keep ? last[at] : FolioStateOf(pfn));
            reused += keep ? 1 : 0;
        }

        return reused == last.Length && _folioParts.Count == last.Length ? last : _folioParts.ToImmutable();
    }

    private FolioState FolioStateOf(int pfn) => new(new Pfn((ulong)pfn), KindOf(pfn), _object[pfn], _index[pfn],
        FolioFlagsOf(pfn), _mapCount[pfn], _pins[pfn], SwapEntryOf(pfn), _content[pfn]);

    private bool Matches(FolioState f, int pfn) => f.Kind == KindOf(pfn) && f.Owner == _object[pfn]
        && f.Index == _index[pfn] && f.Flags == FolioFlagsOf(pfn) && f.MapCount == _mapCount[pfn]
        && f.Pins == _pins[pfn] && f.Swap == SwapEntryOf(pfn) && f.Content == _content[pfn];

    private SwapEntry? SwapEntryOf(int pfn) =>
        InSwapCache(pfn) ? new SwapEntry(new SwapType(_swapType[pfn]), _swapOffset[pfn]) : null;

    /// <summary>The folio's flags as the snapshot shows them: PG_swapbacked and PG_swapcache derived.</summary>
    private FolioFlags FolioFlagsOf(int pfn) => _flags[pfn]
        | (KindOf(pfn) == FolioKind.File ? FolioFlags.None : FolioFlags.SwapBacked)
        | (InSwapCache(pfn) ? FolioFlags.SwapCache : FolioFlags.None);

    private ImmutableArray<ImmutableArray<Pfn>> LruStates(ImmutableArray<ImmutableArray<Pfn>> last)
    {
        var lists = new ImmutableArray<Pfn>[Lists];
        var reused = 0;
        for (var list = 0; list < Lists; list++)
        {
            var keep = list < last.Length && Matches(last[list], list);
            lists[list] = keep ? last[list] : LruState(list);
            reused += keep ? 1 : 0;
        }

        return reused == last.Length && last.Length == Lists ? last
            : ImmutableCollectionsMarshal.AsImmutableArray(lists);
    }

    private ImmutableArray<Pfn> LruState(int list)
    {
        var pfns = ImmutableArray.CreateBuilder<Pfn>(_lruSize[list]);
        for (var pfn = _lruHead[list]; pfn >= 0; pfn = _lruNext[pfn])
        {
            pfns.Add(new Pfn((ulong)pfn));
        }

        return pfns.MoveToImmutable();
    }

    /// <summary>Whether the LRU list still holds <paramref name="state"/>'s folios in its order.</summary>
    private bool Matches(ImmutableArray<Pfn> state, int list)
    {
        if (state.Length != _lruSize[list])
        {
            return false;
        }

        var pfn = _lruHead[list];
        for (var i = 0; i < state.Length; i++, pfn = _lruNext[pfn])
        {
            if (pfn < 0 || state[i].Value != (ulong)pfn)
            {
                return false;
            }
        }

        return true;
    }

    private ImmutableArray<SwapAreaState> SwapStates(ImmutableArray<SwapAreaState> last)
    {
        var areas = AreasOn().ToArray();
        var reused = 0;
        var states = new SwapAreaState[areas.Length];
        for (var i = 0; i < areas.Length; i++)
        {
            var keep = i < last.Length && Matches(last[i], areas[i]);
            states[i] = keep ? last[i] : SwapAreaStateOf(areas[i]);
            reused += keep ? 1 : 0;
        }

        return reused == last.Length && states.Length == last.Length ? last
            : ImmutableCollectionsMarshal.AsImmutableArray(states);
    }

    private static SwapAreaState SwapAreaStateOf(SwapArea area) => new(area.Type, area.Priority, area.Slots,
        [.. Enumerable.Range(1, (int)Math.Max(area.Covered, 1) - 1).Select(o => (ulong)o).Where(area.Used)
            .Select(o => SlotStateOf(area, o))]);

    private static SlotState SlotStateOf(SwapArea area, ulong offset) =>
        new(offset, area.Count(offset), area.Cache(offset) >= 0, area.Content(offset));

    /// <summary>Whether the area still has <paramref name="state"/>'s type, priority, size and used slots.</summary>
    private static bool Matches(SwapAreaState state, SwapArea area)
    {
        if ((state.Type, state.Priority, state.Slots) != (area.Type, area.Priority, area.Slots))
        {
            return false;
        }

        var at = 0;
        for (var offset = 1UL; offset < area.Covered; offset++)
        {
            if (area.Used(offset) && (at >= state.Used.Length || state.Used[at++] != SlotStateOf(area, offset)))
            {
                return false;
            }
        }

        return at == state.Used.Length;
    }

    /// <summary>
    /// The shmem pages on swap in (object, index) order; the last snapshot's while it names as many as there are and
    /// each of them is still there (the same set, so the same sorted part).
    /// </summary>
    private ImmutableArray<ShmemSwapped> ShmemSwapStates(ImmutableArray<ShmemSwapped> last)
    {
        var count = 0;
        foreach (var shmem in _shmem.Values)
        {
            count += shmem.Swapped.Count;
        }

        var same = count == last.Length;
        for (var i = 0; same && i < last.Length; i++)
        {
            same = _shmem.TryGetValue(last[i].Owner, out var shmem)
                && shmem.Swapped.TryGetValue(last[i].Index, out var entry) && entry == last[i].Entry;
        }

        return same ? last : [.. _shmem.Values.OrderBy(s => s.Id).SelectMany(s => s.Swapped.OrderBy(p => p.Key)
            .Select(p => new ShmemSwapped(s.Id, p.Key, p.Value)))];
    }

    /// <summary>
    /// The file pages written whose content differs from the disk's at boot, in (file, page) order; the last
    /// snapshot's while it names as many as there are and each still holds its content.
    /// </summary>
    private ImmutableArray<DiskPage> DiskStates(ImmutableArray<DiskPage> last)
    {
        var count = 0;
        foreach (var (key, content) in _disk)
        {
            count += content != InitialContent(key) ? 1 : 0;
        }

        var same = count == last.Length;
        for (var i = 0; same && i < last.Length; i++)
        {
            same = _disk.TryGetValue(FileKey(last[i].File, last[i].PgOff), out var content)
                && content == last[i].Content;
        }

        return same ? last : [.. _disk.Where(d => d.Value != InitialContent(d.Key)).OrderBy(d => d.Key)
            .Select(d => new DiskPage(FileOf(d.Key), PgOffOf(d.Key), d.Value))];
    }

    /// <summary>The TLBs' entries, or the last snapshot's while no CPU's TLB changed (by its generation).</summary>
    private ImmutableArray<TlbEntry> TlbStates(ImmutableArray<TlbEntry>? last)
    {
        var same = last is not null && _tlbGenerations.Length == _tlb.Length;
        Array.Resize(ref _tlbGenerations, _tlb.Length);
        for (var cpu = 0; cpu < _tlb.Length; cpu++)
        {
            same = same && _tlbGenerations[cpu] == _tlb[cpu].Generation;
            _tlbGenerations[cpu] = _tlb[cpu].Generation;
        }

        if (same)
        {
            return last!.Value;
        }

        var entries = ImmutableArray.CreateBuilder<TlbEntry>(_tlb.Sum(tlb => tlb.Count));
        for (var cpu = 0; cpu < _tlb.Length; cpu++)
        {
            _tlb[cpu].AddEntries(cpu, entries);
        }

        return entries.MoveToImmutable();
    }

    private ImmutableArray<Block> KernelStates(ImmutableArray<Block> last)
    {
        var (count, same) = (0, true);
        for (var pfn = 0; pfn < _kernelOrder.Length; pfn++)
        {
            if (_kernelOrder[pfn] != NoFolio)
            {
                same = same && count < last.Length && last[count] == KernelBlock(pfn);
                count++;
            }
        }

        if (same && count == last.Length)
        {
            return last;
        }

        var blocks = ImmutableArray.CreateBuilder<Block>(count);
        for (var pfn = 0; pfn < _kernelOrder.Length; pfn++)
        {
            if (_kernelOrder[pfn] != NoFolio)
            {
                blocks.Add(KernelBlock(pfn));
            }
        }

        return blocks.MoveToImmutable();
    }

    private Block KernelBlock(int pfn) => new(new Pfn((ulong)pfn), new Order(_kernelOrder[pfn]));
}
