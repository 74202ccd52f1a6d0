using System.Diagnostics;
using MMSpec.Impl.MemorySystem;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// The lruvec: five intrusive doubly linked lists through per-pfn links (list_add at the head, reclaim from the
/// tail), their sizes, the two-touch rule of folio_mark_accessed, inactive_is_low and lru_note_cost.
/// </summary>
public sealed partial class ReclaimSystem
{
    private const int Lists = 5;

    private readonly int[] _lruNext;
    private readonly int[] _lruPrev;

    // Which list a folio is on, -1 while isolated (PG_lru clear).
    private readonly sbyte[] _lruOf;
    private readonly int[] _lruHead = new int[Lists];
    private readonly int[] _lruTail = new int[Lists];
    private readonly int[] _lruSize = new int[Lists];

    private static bool IsFileList(LruList list) => list is LruList.InactiveFile or LruList.ActiveFile;

    /// <summary>folio_lru_list: shmem is swap-backed, so on the anon lists; PG_active picks the active one.</summary>
    private LruList ListOf(int pfn) =>
        (KindOf(pfn) == FolioKind.File ? LruList.InactiveFile : LruList.InactiveAnon)
        + (Has(pfn, FolioFlags.Active) ? 1 : 0);

    private ulong Size(LruList list) => (ulong)_lruSize[(int)list];

    private ulong EvictableSize() =>
        Size(LruList.InactiveAnon) + Size(LruList.ActiveAnon) + Size(LruList.InactiveFile) + Size(LruList.ActiveFile);

    /// <summary>lruvec_add_folio: list_add at the head of the list PG_active and the kind name.</summary>
    private void LruAddHead(int pfn)
    {
        Debug.Assert(_lruOf[pfn] == NoFolio, "a folio on no list");
        var list = (int)ListOf(pfn);
        var head = _lruHead[list];
        _lruNext[pfn] = head;
        _lruPrev[pfn] = -1;
        if (head >= 0)
        {
            _lruPrev[head] = pfn;
        }
        else
        {
            _lruTail[list] = pfn;
        }

        _lruHead[list] = pfn;
        _lruOf[pfn] = (sbyte)list;
        _lruSize[list]++;
    }

    /// <summary>lruvec_add_folio_tail: "reclaim me next".</summary>
    private void LruAddTail(int pfn)
    {
        Debug.Assert(_lruOf[pfn] == NoFolio, "a folio on no list");
        var list = (int)ListOf(pfn);
        var tail = _lruTail[list];
        _lruPrev[pfn] = tail;
        _lruNext[pfn] = -1;
        if (tail >= 0)
        {
            _lruNext[tail] = pfn;
        }
        else
        {
            _lruHead[list] = pfn;
        }

        _lruTail[list] = pfn;
        _lruOf[pfn] = (sbyte)list;
        _lruSize[list]++;
    }

    /// <summary>lruvec_del_folio: unlinked in O(1); the folio is isolated until it is added again.</summary>
    private void LruDelete(int pfn)
    {
        var list = _lruOf[pfn];
        Debug.Assert(list != NoFolio, "a folio on a list");
        var (prev, next) = (_lruPrev[pfn], _lruNext[pfn]);
        if (prev >= 0)
        {
            _lruNext[prev] = next;
        }
        else
        {
            _lruHead[list] = next;
        }

        if (next >= 0)
        {
            _lruPrev[next] = prev;
        }
        else
        {
            _lruTail[list] = prev;
        }

        _lruOf[pfn] = NoFolio;
        _lruSize[list]--;
    }

    /// <summary>
    /// isolate_lru_folios with one zone (nothing skipped): up to <paramref name="n"/> folios off the tail into the
    /// scratch array, tail first.
    /// </summary>
    private int Isolate(LruList list, int n, int[] into)
    {
        var taken = 0;
        for (; taken < n && _lruTail[(int)list] >= 0; taken++)
        {
            into[taken] = _lruTail[(int)list];
            LruDelete(into[taken]);
        }

        return taken;
    }

    /// <summary>
    /// folio_mark_accessed: inactive and unreferenced becomes referenced; inactive and referenced is activated
    /// (folio_activate: to the active head, pgactivate) and unreferenced; active and unreferenced becomes referenced.
    /// </summary>
    private void MarkAccessed(int pfn)
    {
        if (!Has(pfn, FolioFlags.Referenced))
        {
            Set(pfn, FolioFlags.Referenced);
        }
        else if (!Has(pfn, FolioFlags.Active))
        {
            LruDelete(pfn);
            Set(pfn, FolioFlags.Active);
            LruAddHead(pfn);
            _events.PgActivate++;
            Clear(pfn, FolioFlags.Referenced);
        }
    }

    /// <summary>
    /// inactive_is_low: the inactive list of a type smaller than the active one over the ratio int_sqrt(10 * GiB)
    /// (1 below a GiB).
    /// </summary>
    private bool InactiveIsLow(LruList inactive)
    {
        var (low, high) = (Size(inactive), Size(inactive + 1));
        var gb = (low + high) >> 18;
        var ratio = gb != 0 ? ZoneWatermarkTable.IntSqrt(10 * gb) : 1;
        return low * ratio < high;
    }

    /// <summary>
    /// lru_note_cost: the IO (32 a page) and rotations charged to the type, then both costs halved once they pass a
    /// quarter of the evictable pages; a cost of 0 changes nothing (lru_note_cost_unlock_irq returns before the
    /// halving check).
    /// </summary>
    private void NoteCost(bool file, ulong nrIo, ulong nrRotated)
    {
        var cost = (nrIo * ClusterMax) + nrRotated;
        if (cost == 0)
        {
            return;
        }

        if (file)
        {
            _fileCost += cost;
        }
        else
        {
            _anonCost += cost;
        }

        if (_anonCost + _fileCost > EvictableSize() / 4)
        {
            _anonCost /= 2;
            _fileCost /= 2;
        }
    }
}
