using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    public ReclaimSnapshot Snapshot() => new(
        Config,
        Swappiness,
        [.. _mms.Values.Select(MmStateOf)],
        [.. _folios.Values.Select(FolioStateOf)],
        [.. _lru.Select(list => list.ToImmutableArray())],
        [.. _swap.Values.Select(AreaStateOf)],
        [.. _shmem.SelectMany(o => o.Value.Swapped.Select(s => new ShmemSwapped(o.Key, s.Key, s.Value)))],
        [.. _disk.Select(d => new DiskPage(d.Key.File, d.Key.PgOff, d.Value))],
        [.. _tlb.Values.OrderBy(e => e.Cpu.Value).ThenBy(e => e.Mm.Value).ThenBy(e => e.Addr.Value)],
        [.. _kernel.Select(k => new Block(k.Key, k.Value))],
        _anonCost,
        _fileCost,
        _events,
        _pages.Snapshot(),
        _watermark);

    private static MmState MmStateOf(Mm mm) => new(
        mm.Id,
        [.. mm.Mappings.OrderBy(m => m.Start.Value)],
        [.. mm.Ptes.Select(p => new PteState(
            new VirtAddr(p.Key), p.Value.Frame, p.Value.Swap, p.Value.Writable, p.Value.Young, p.Value.Dirty))]);

    private FolioState FolioStateOf(Folio folio) => new(
        folio.Pfn, folio.Kind, folio.Owner, folio.Index, folio.Flags, MapCount(folio.Pfn), folio.Pins, folio.Swap,
        folio.Content);

    private static SwapAreaState AreaStateOf(SwapArea area) => new(
        area.Type,
        area.Priority,
        area.Slots,
        [.. Enumerable.Range(1, (int)area.Slots - 1).Where(s => area.InUse((ulong)s))
            .Select(s => new SlotState((ulong)s, area.Count[s], area.Cache[s], area.Content[s]))]);
}
