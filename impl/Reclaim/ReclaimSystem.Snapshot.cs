using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using TlbEntry = MMSpec.Model.Reclaim.TlbEntry;

namespace MMSpec.Impl.Reclaim;

/// <summary>The canonical snapshot, in the order docs/reclaim.md's "The snapshot" gives.</summary>
public sealed partial class ReclaimSystem
{
    /// <summary>The whole state, every part in its canonical order.</summary>
    public ReclaimSnapshot Snapshot() => new(
        Config, _swappiness, MmStates(), FolioStates(), LruStates(), SwapStates(), ShmemSwapStates(),
        DiskStates(), TlbStates(), KernelStates(), _anonCost, _fileCost, _events.ToEvents(), _buddy.Snapshot(),
        _watermark);

    private ImmutableArray<MmState> MmStates() =>
        [.. _mms.Values.OrderBy(m => m.Id.Value).Select(m => new MmState(
            m.Id,
            [.. m.Mappings.Select(v => v.State)],
            [.. m.Ptes.OrderBy(p => p.Key).Select(p => PteStateOf(p.Key, p.Value))]))];

    private static PteState PteStateOf(ulong vpn, Pte pte)
    {
        var addr = new VirtAddr(vpn * Pfn.PageSize);
        return pte.IsSwap
            ? new PteState(addr, null, pte.Swap, false, false, false)
            : new PteState(addr, new Pfn((ulong)pte.Frame), null, pte.Writable, pte.Young, pte.Dirty);
    }

    private ImmutableArray<FolioState> FolioStates()
    {
        var folios = ImmutableArray.CreateBuilder<FolioState>();
        for (var pfn = 0; pfn < _kind.Length; pfn++)
        {
            if (!IsFolio(pfn))
            {
                continue;
            }

            var kind = KindOf(pfn);
            var swap = InSwapCache(pfn)
                ? new SwapEntry(new SwapType(_swapType[pfn]), _swapOffset[pfn])
                : (SwapEntry?)null;
            var flags = _flags[pfn] | (kind == FolioKind.File ? FolioFlags.None : FolioFlags.SwapBacked)
                | (swap is null ? FolioFlags.None : FolioFlags.SwapCache);
            folios.Add(new FolioState(new Pfn((ulong)pfn), kind, _object[pfn], _index[pfn], flags, _mapCount[pfn],
                _pins[pfn], swap, _content[pfn]));
        }

        return folios.ToImmutable();
    }

    private ImmutableArray<ImmutableArray<Pfn>> LruStates()
    {
        var lists = ImmutableArray.CreateBuilder<ImmutableArray<Pfn>>(Lists);
        for (var list = 0; list < Lists; list++)
        {
            var pfns = ImmutableArray.CreateBuilder<Pfn>(_lruSize[list]);
            for (var pfn = _lruHead[list]; pfn >= 0; pfn = _lruNext[pfn])
            {
                pfns.Add(new Pfn((ulong)pfn));
            }

            lists.Add(pfns.MoveToImmutable());
        }

        return lists.MoveToImmutable();
    }

    private ImmutableArray<SwapAreaState> SwapStates() =>
        [.. AreasOn().Select(area => new SwapAreaState(area.Type, area.Priority, area.Slots,
            [.. Enumerable.Range(1, (int)Math.Max(area.Covered, 1) - 1).Select(o => (ulong)o).Where(area.Used)
                .Select(o => new SlotState(o, area.Count(o), area.Cache(o) >= 0, area.Content(o)))]))];

    private ImmutableArray<ShmemSwapped> ShmemSwapStates() =>
        [.. _shmem.Values.OrderBy(s => s.Id).SelectMany(s => s.Swapped.OrderBy(p => p.Key)
            .Select(p => new ShmemSwapped(s.Id, p.Key, p.Value)))];

    private ImmutableArray<DiskPage> DiskStates() =>
        [.. _disk.OrderBy(d => d.Key)
            .Select(d => new DiskPage((int)(d.Key / (long)Config.FilePages), (ulong)(d.Key % (long)Config.FilePages),
                d.Value))
            .Where(d => d.Content != ReclaimConfig.InitialContent(d.File, d.PgOff))];

    private ImmutableArray<TlbEntry> TlbStates()
    {
        var entries = ImmutableArray.CreateBuilder<TlbEntry>();
        for (var cpu = 0; cpu < _tlb.Length; cpu++)
        {
            _tlb[cpu].AddEntries(cpu, entries);
        }

        return entries.ToImmutable();
    }

    private ImmutableArray<Block> KernelStates()
    {
        var blocks = ImmutableArray.CreateBuilder<Block>();
        for (var pfn = 0; pfn < _kernelOrder.Length; pfn++)
        {
            if (_kernelOrder[pfn] != NoFolio)
            {
                blocks.Add(new Block(new Pfn((ulong)pfn), new Order(_kernelOrder[pfn])));
            }
        }

        return blocks.ToImmutable();
    }
}
