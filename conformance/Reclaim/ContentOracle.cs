using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// What every page must read, kept apart from both sides: the last word written to each anonymous page of each
/// address space (0 before any write), to each file page (its boot content before any write) and to each shmem page
/// (0). Fork copies an address space's anonymous words; munmap and exit forget them. This is the rule no-data-lost:
/// whatever reclaim, swap, writeback and compaction did, a read returns the last value written.
/// </summary>
public sealed class ContentOracle
{
    private readonly Dictionary<(int Mm, ulong Page), ulong> _anon = [];
    private readonly Dictionary<(int File, ulong PgOff), ulong> _files = [];
    private readonly Dictionary<(int Shmem, ulong Index), ulong> _shmem = [];

    /// <summary>What the page at <paramref name="addr"/> must hold now, or null when no mapping covers it.</summary>
    public ulong? Expected(ReclaimSnapshot state, AsId mm, VirtAddr addr)
    {
        if (Place(state, mm, addr) is not (MappingState mapping, ulong index))
        {
            return null;
        }

        return mapping.Kind switch
        {
            MapKind.Anon => _anon.GetValueOrDefault((mm.Value, Page(addr))),
            MapKind.Shmem => _shmem.GetValueOrDefault((mapping.Owner, index)),
            _ => FileWord(mapping.Owner, index),
        };
    }

    public ulong FileWord(int file, ulong pgoff) =>
        _files.TryGetValue((file, pgoff), out var word) ? word : ReclaimConfig.InitialContent(file, pgoff);

    /// <summary>Learns what a call that succeeded wrote, copied or dropped, from the state before it.</summary>
    public void Learn(ReclaimSnapshot before, ReclaimOp op, OpResult result)
    {
        switch (op)
        {
            case ReclaimOp.Access { Write: true } w
                when Place(before, w.Mm, w.Addr) is (MappingState mapping, ulong index):
                Write(w.Mm, w.Addr, mapping, index, w.Value);
                break;
            case ReclaimOp.WriteFile f:
                _files[(f.File, f.PgOff)] = f.Value;
                break;
            case ReclaimOp.Fork f when result.Value is AsId child:
                foreach (var ((mm, page), word) in _anon.Where(e => e.Key.Mm == f.Mm.Value).ToList())
                {
                    _anon[(child.Value, page)] = word;
                }

                break;
            case ReclaimOp.ExitMm e:
                Forget(e.Mm, 0, ulong.MaxValue);
                break;
            case ReclaimOp.Munmap u when before.Mms.First(m => m.Id == u.Mm).Mappings
                .FirstOrDefault(m => m.Start == u.Start) is { } gone:
                Forget(u.Mm, gone.Start.Value, gone.End);
                break;
        }
    }

    private void Write(AsId mm, VirtAddr addr, MappingState mapping, ulong index, ulong value)
    {
        switch (mapping.Kind)
        {
            case MapKind.Anon:
                _anon[(mm.Value, Page(addr))] = value;
                break;
            case MapKind.Shmem:
                _shmem[(mapping.Owner, index)] = value;
                break;
            default:
                _files[(mapping.Owner, index)] = value;
                break;
        }
    }

    private void Forget(AsId mm, ulong start, ulong end)
    {
        foreach (var key in _anon.Keys.Where(k => k.Mm == mm.Value && k.Page >= start && k.Page < end).ToList())
        {
            _anon.Remove(key);
        }
    }

    private static (MappingState Mapping, ulong Index)? Place(ReclaimSnapshot state, AsId mm, VirtAddr addr)
    {
        var page = Page(addr);
        return state.Mms.FirstOrDefault(m => m.Id == mm)?.Mappings
                .FirstOrDefault(m => page >= m.Start.Value && page < m.End) is { } mapping
            ? (mapping, (page - mapping.Start.Value) / Pfn.PageSize)
            : null;
    }

    private static ulong Page(VirtAddr addr) => addr.Value & ~(Pfn.PageSize - 1);
}
