using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// struct folio as per-pfn arrays, the reverse map (each folio's PTEs, as rmap walks find them), and the folio's
/// life: allocated from the buddy allocator, mapped and unmapped, in and out of the page cache, freed.
/// </summary>
public sealed partial class ReclaimSystem
{
    private const sbyte NoFolio = -1;

    // What a frame holds: -1 for no user folio, else (int)FolioKind; kernel allocations by their first frame.
    private readonly sbyte[] _kind;
    private readonly sbyte[] _kernelOrder;

    // PG_referenced, dirty, active, workingset, writeback, reclaim (SwapBacked and SwapCache are derived).
    private readonly FolioFlags[] _flags;
    private readonly int[] _mapCount;
    private readonly int[] _pins;

    // folio->swap while in the swap cache (type -1 otherwise); mapping and index (-1 and 0 for anonymous memory).
    private readonly int[] _swapType;
    private readonly ulong[] _swapOffset;
    private readonly int[] _object;
    private readonly ulong[] _index;
    private readonly ulong[] _content;

    // The pins by the entry they were taken through (mm, page): an unmap drops the address space's pins.
    private readonly Dictionary<(int Mm, ulong Vpn), int> _pinnedAt = [];

    // The rmap: the PTEs mapping each folio (anon_vma chains and i_mmap walks, flattened); a frame's list is made
    // when it first holds a folio and reused after.
    private readonly List<(int Mm, ulong Vpn)>?[] _rmap;

    private bool IsFolio(int pfn) => _kind[pfn] != NoFolio;

    private FolioKind KindOf(int pfn) => (FolioKind)_kind[pfn];

    private bool Has(int pfn, FolioFlags flag) => (_flags[pfn] & flag) != 0;

    private void Set(int pfn, FolioFlags flag) => _flags[pfn] |= flag;

    private void Clear(int pfn, FolioFlags flag) => _flags[pfn] &= ~flag;

    private bool InSwapCache(int pfn) => _swapType[pfn] >= 0;

    /// <summary>
    /// alloc_pages for a user folio, then its metadata and content; the caller checked a frame is free and puts the
    /// folio on its LRU list.
    /// </summary>
    private int NewFolio(FolioKind kind, int obj, ulong index, ulong content)
    {
        var allocated = _buddy.AllocPages(new Order(0), ZoneType.Normal);
        Debug.Assert(allocated.IsOk, "a frame was checked free before the change began");
        var pfn = (int)allocated.Value.Value;
        _kind[pfn] = (sbyte)kind;
        _flags[pfn] = FolioFlags.None;
        _mapCount[pfn] = 0;
        _pins[pfn] = 0;
        _swapType[pfn] = -1;
        _object[pfn] = obj;
        _index[pfn] = index;
        _content[pfn] = content;
        _rmap[pfn] ??= [];
        Debug.Assert(_rmap[pfn]!.Count == 0, "a new folio has no PTE");
        return pfn;
    }

    /// <summary>free_unref_folios: the folio leaves its LRU list and its frame goes back to the allocator.</summary>
    private void FreeFolio(int pfn)
    {
        Debug.Assert(_mapCount[pfn] == 0 && !InSwapCache(pfn), "a freed folio is unmapped and out of the swap cache");
        if (_lruOf[pfn] != NoFolio)
        {
            LruDelete(pfn);
        }

        _kind[pfn] = NoFolio;
        _flags[pfn] = FolioFlags.None;
        _pins[pfn] = 0;
        var freed = _buddy.FreePages(new Pfn((ulong)pfn), new Order(0));
        Debug.Assert(freed.IsOk, "a folio's frame is an order-0 allocation");
    }

    /// <summary>
    /// folio_add_*_rmap_pte: one more PTE maps the folio. The list stays in (address space, page) order, the order
    /// rmap_walk visits the VMAs of address spaces created one after the other (the anon_vma tree keeps a child's
    /// VMA after its parent's); try_to_unmap's order decides the order address spaces join the mmlist, which
    /// swapoff follows.
    /// </summary>
    private void RmapAdd(int pfn, int mm, ulong vpn)
    {
        var list = _rmap[pfn]!;
        var at = list.BinarySearch((mm, vpn));
        Debug.Assert(at < 0, "a PTE maps the folio once");
        list.Insert(~at, (mm, vpn));
        _mapCount[pfn]++;
        Debug.Assert(_mapCount[pfn] == list.Count, "the map count is the rmap's length");
    }

    /// <summary>folio_remove_rmap_pte: the others keep their order.</summary>
    private void RmapRemove(int pfn, int mm, ulong vpn)
    {
        var list = _rmap[pfn]!;
        var at = list.BinarySearch((mm, vpn));
        Debug.Assert(at >= 0, "the PTE is in the folio's rmap");
        list.RemoveAt(at);
        _mapCount[pfn]--;
    }

    /// <summary>set_pte_at of a present page: the entry, the rmap and the map count.</summary>
    private void MapPage(ReclaimMm m, ulong vpn, int pfn, bool writable, bool young, bool dirty)
    {
        m.Ptes[vpn] = Pte.Present(pfn, writable, young, dirty);
        RmapAdd(pfn, m.Id.Value, vpn);
    }

    /// <summary>
    /// free_swap_cache and folio_put for an anonymous folio no PTE maps any more: one in the swap cache whose slot
    /// has no reference leaves it and is freed, one whose slot another entry still names stays in the swap cache,
    /// any other is freed.
    /// </summary>
    private void ReleaseUnmappedAnon(int pfn)
    {
        Debug.Assert(KindOf(pfn) == FolioKind.Anon && _mapCount[pfn] == 0, "an unmapped anonymous folio");
        if (InSwapCache(pfn))
        {
            if (SlotCount(pfn) > 0)
            {
                return;
            }

            SwapCacheDelete(pfn);
        }

        FreeFolio(pfn);
    }

    /// <summary>
    /// zap_pte_range for one entry: a swap entry drops its reference; a present page loses a mapping and the pins
    /// taken through it (docs/reclaim.md: pins do not outlive the mapping), and a file or shmem page takes the PTE's
    /// dirty bit (folio_mark_dirty) and, when young, a folio_mark_accessed (zap_present_folio_ptes).
    /// </summary>
    private void ZapPte(ReclaimMm m, ulong vpn, Pte pte)
    {
        m.Ptes.Remove(vpn);
        if (pte.IsSwap)
        {
            FreeSwapAndCache(pte.SwapType, pte.SwapOffset);
            return;
        }

        var pfn = pte.Frame;
        FlushPage(m.Id.Value, vpn);
        RmapRemove(pfn, m.Id.Value, vpn);
        if (_pinnedAt.Remove((m.Id.Value, vpn), out var pins))
        {
            _pins[pfn] -= pins;
            Debug.Assert(_pins[pfn] >= 0, "a folio's pins are those of the entries mapping it");
        }

        if (KindOf(pfn) != FolioKind.Anon)
        {
            if (pte.Dirty)
            {
                Set(pfn, FolioFlags.Dirty);
            }

            if (pte.Young)
            {
                MarkAccessed(pfn);
            }
        }
        else if (_mapCount[pfn] == 0)
        {
            ReleaseUnmappedAnon(pfn);
        }
    }

    /// <summary>The key of a file page in the page cache (and on disk).</summary>
    private long FileKey(int file, ulong pgoff) => (file * (long)Config.FilePages) + (long)pgoff;

    private int FileOf(long key) => (int)(key / (long)Config.FilePages);

    private ulong PgOffOf(long key) => (ulong)(key % (long)Config.FilePages);

    /// <summary>What the disk held at boot at the page of <paramref name="key"/>.</summary>
    private ulong InitialContent(long key) => ReclaimConfig.InitialContent(FileOf(key), PgOffOf(key));

    /// <summary>
    /// filemap_get_folio, or on a miss the read from disk (pgpgin; a major fault from a page fault) into a new folio
    /// at the head of the inactive file list; the caller checked a frame is free.
    /// </summary>
    private int FilePage(int file, ulong pgoff, bool majorFault)
    {
        var key = FileKey(file, pgoff);
        if (_fileCache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var content = _disk.TryGetValue(key, out var written) ? written : ReclaimConfig.InitialContent(file, pgoff);
        var pfn = AddFilePage(file, pgoff, content);
        _events.PgPgIn += 4;
        _events.PgMajFault += majorFault ? 1UL : 0;
        return pfn;
    }

    /// <summary>
    /// filemap_add_folio: a new file folio holding the content, in the page cache and at the head of the inactive
    /// file list; the caller checked a frame is free.
    /// </summary>
    private int AddFilePage(int file, ulong pgoff, ulong content)
    {
        var pfn = NewFolio(FolioKind.File, file, pgoff, content);
        _fileCache.Add(FileKey(file, pgoff), pfn);
        LruAddHead(pfn);
        return pfn;
    }

    /// <summary>__filemap_remove_folio / shmem_delete_from_page_cache: the folio leaves its object's index.</summary>
    private void PageCacheDelete(int pfn)
    {
        if (KindOf(pfn) == FolioKind.File)
        {
            _fileCache.Remove(FileKey(_object[pfn], _index[pfn]));
        }
        else
        {
            _shmem[_object[pfn]].Resident.Remove(_index[pfn]);
        }
    }

    /// <summary>flush_tlb_mm: every TLB entry of one address space, on every CPU.</summary>
    private void FlushMm(int mm)
    {
        foreach (var tlb in _tlb)
        {
            tlb.RemoveMm(mm);
        }
    }

    /// <summary>The TLB entries of one page of one address space, on every CPU (flush_tlb_page, shot down).</summary>
    private void FlushPage(int mm, ulong vpn)
    {
        foreach (var tlb in _tlb)
        {
            tlb.Remove(mm, vpn);
        }
    }
}
