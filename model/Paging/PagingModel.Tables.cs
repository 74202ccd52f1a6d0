using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// Page-table upkeep: zapping a range (unmap_region), the page cache's side of it (writing back and evicting
/// file pages nothing maps, releasing shmem objects no VMA maps), and finding and freeing tables (free_pgtables).
/// </summary>
public partial class PagingModel
{
    /// <summary>Whether munmap frees the page tables whose whole range no longer has a VMA (free_pgtables).</summary>
    protected virtual bool FreesEmptyTables => true;

    /// <summary>
    /// unmap_region: zap the pages of [start, end) (anonymous frames freed, page-cache pages and the zero page
    /// unmapped), cut the VMAs (a shmem object no VMA maps any more goes), then free_pgtables: every table whose whole
    /// range no longer meets a VMA goes back.
    /// </summary>
    private void Unmap(ModelMm m, ulong start, ulong end)
    {
        var unmapped = new List<(MappedObject, ulong)>();
        foreach (var (page, pte) in m.Ptes.Where(p => p.Key >= start && p.Key < end).ToList())
        {
            m.Ptes.Remove(page);
            if (pte.Owner.Backing is { } obj)
            {
                unmapped.Add((obj, pte.Owner.PgOff));
            }
            else if (pte.Owner.IsAnon)
            {
                // zap_present_ptes: the zero page has no struct page to put (vm_normal_page is NULL); it stays.
                Free(pte.Frame);
            }
        }

        m.Vmas = m.Vmas.Remove(start, end);
        EvictUnmapped(unmapped);
        ReleaseUnusedShmem();
        if (FreesEmptyTables)
        {
            FreeTables(m.Tables, (from, to) => !m.Vmas.IsFree(from, to), 1);
        }
    }

    /// <summary>
    /// Frees every table at depth &gt;= <paramref name="fromDepth"/> whose range <paramref name="inUse"/> says is
    /// unused.
    /// </summary>
    private void FreeTables(
        SortedDictionary<(int Depth, ulong Index), Pfn> tables, Func<ulong, ulong, bool> inUse, int fromDepth)
    {
        foreach (var (key, frame) in tables.Where(t => t.Key.Depth >= fromDepth).ToList())
        {
            var span = Format.SpanOf(key.Depth - 1);
            if (!inUse(key.Index * span, (key.Index * span) + span))
            {
                tables.Remove(key);
                Free(frame);
            }
        }
    }

    /// <summary>A regular file's page-cache page that nothing maps any more is written back and evicted.</summary>
    private void EvictUnmapped(IEnumerable<(MappedObject Backing, ulong PgOff)> pages)
    {
        foreach (var key in pages.Distinct().Where(k => !k.Backing.Shmem && !IsMapped(k)).ToList())
        {
            var frame = _cache[key];
            _disk[key] = Memory.Save(frame);
            _cache.Remove(key);
            Free(frame);
        }
    }

    /// <summary>A shmem object lives while a VMA maps it; then its pages go (shmem_evict_inode).</summary>
    private void ReleaseUnusedShmem()
    {
        var live = _mms.Values.SelectMany(m => m.Vmas.All).Select(v => v.Backing).OfType<MappedObject>().ToHashSet();
        foreach (var (key, frame) in _cache.Where(c => c.Key.Backing.Shmem && !live.Contains(c.Key.Backing)).ToList())
        {
            _cache.Remove(key);
            Free(frame);
        }
    }

    private bool IsMapped((MappedObject Backing, ulong PgOff) key) =>
        _mms.Values.Any(m => m.Ptes.Values.Any(p => p.Owner.Backing == key.Backing && p.Owner.PgOff == key.PgOff));

    /// <summary>The tables a walk to each of <paramref name="pages"/> still lacks, top-down, each once.</summary>
    private IEnumerable<(int Depth, ulong Index)> MissingTables(
        SortedDictionary<(int Depth, ulong Index), Pfn> tables, IEnumerable<ulong> pages) =>
        pages.SelectMany(p => Enumerable.Range(1, Format.Depth - 1).Select(d => TableKey(p, d)))
            .Distinct()
            .Where(k => !tables.ContainsKey(k));
}
