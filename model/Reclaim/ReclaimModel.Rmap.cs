using System.Collections;
using MMSpec.Model.Core;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    // The reverse map (the kernel's anon_vma and i_mmap walks, flattened): for each frame, the address spaces and
    // pages whose present PTEs map it, kept by every PTE write.
    private readonly Dictionary<Pfn, SortedSet<(int Mm, ulong Page)>> _rmap = [];

    /// <summary>The present PTEs that map a frame, by address space and address: rmap_walk.</summary>
    private IEnumerable<(Mm Space, ulong Page, Pte Pte)> Mappers(Pfn pfn)
    {
        if (!_rmap.TryGetValue(pfn, out var mappers))
        {
            yield break;
        }

        foreach (var (mm, page) in mappers.ToList())
        {
            var space = _mms[mm];
            yield return (space, page, space.Ptes[page]);
        }
    }

    /// <summary>folio_mapcount: the present PTEs mapping the frame.</summary>
    private int MapCount(Pfn pfn) => _rmap.TryGetValue(pfn, out var mappers) ? mappers.Count : 0;

    /// <summary>One address space's PTEs by page address; every write keeps the reverse map.</summary>
    private sealed class PageTable(int mm, Dictionary<Pfn, SortedSet<(int Mm, ulong Page)>> rmap)
        : IEnumerable<KeyValuePair<ulong, Pte>>
    {
        private readonly SortedDictionary<ulong, Pte> _ptes = [];

        public Pte this[ulong page]
        {
            get => _ptes[page];
            set
            {
                Remove(page);
                _ptes[page] = value;
                if (value.Frame is { } frame)
                {
                    if (!rmap.TryGetValue(frame, out var mappers))
                    {
                        rmap[frame] = mappers = [];
                    }

                    mappers.Add((mm, page));
                }
            }
        }

        public bool TryGetValue(ulong page, out Pte pte) => _ptes.TryGetValue(page, out pte);

        public bool Remove(ulong page) => Remove(page, out _);

        public bool Remove(ulong page, out Pte pte)
        {
            if (!_ptes.Remove(page, out pte))
            {
                return false;
            }

            if (pte.Frame is { } frame && rmap.TryGetValue(frame, out var mappers))
            {
                mappers.Remove((mm, page));
                if (mappers.Count == 0)
                {
                    rmap.Remove(frame);
                }
            }

            return true;
        }

        public IEnumerator<KeyValuePair<ulong, Pte>> GetEnumerator() => _ptes.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
