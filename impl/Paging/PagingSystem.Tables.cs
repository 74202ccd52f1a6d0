using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Impl.Paging;

/// <summary>
/// Page-table upkeep: zapping a range, changing protections, allocating and freeing tables (free_pgtables).
/// </summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// unmap_region: zap_page_range over the tables of [start, end), cut the VMAs, evict the file pages
    /// nothing maps any more, then free_pgtables over the same range.
    /// </summary>
    private void Unmap(ImplMm m, ulong start, ulong end)
    {
        _unmapped.Clear();
        VisitLeaves(m, m.Pgd, 0, 0, start, end - 1, LeafAction.Zap);
        foreach (var vma in m.Vmas.All)
        {
            if (vma.Backing is { Shmem: true } shmem && vma.Intersects(start, end))
            {
                _shmemMaybeDead.Add(shmem.Id);
            }
        }

        m.Vmas = m.Vmas.Remove(start, end);
        foreach (var key in _unmapped)
        {
            if (_cache.EvictIfUnmapped(key, _memory) is { } evicted)
            {
                Free(evicted);
            }
        }

        FreeEmptyTables(m, m.Pgd, 0, 0, start, end - 1);
    }

    /// <summary>
    /// The leaf entries of [first, last] under <paramref name="table"/> (at walk depth <paramref name="depth"/>,
    /// mapping from <paramref name="tableBase"/>): zapped (zap_pte_range) or given their VMA's new rights
    /// (change_pte_range). Absent tables are skipped.
    /// </summary>
    private void VisitLeaves(ImplMm m, Pfn table, int depth, ulong tableBase, ulong first, ulong last,
        LeafAction action)
    {
        for (var index = Format.IndexOf(first, depth); index <= Format.IndexOf(last, depth); index++)
        {
            var entry = Entry(table, index);
            if (entry == 0)
            {
                continue;
            }

            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var frame = PagingFormat.FrameOf(entry);
            if (depth < Format.Depth - 1)
            {
                VisitLeaves(m, frame, depth + 1, at, Math.Max(first, at),
                    Math.Min(last, at + Format.SpanOf(depth) - 1), action);
            }
            else if (action == LeafAction.Protect)
            {
                // can_change_pte_writable: only a page of the mapping's own; the zero page stays read-only.
                var anonymous = frame != _zeroPage && _cache.OwnerOf(frame) is null;
                SetEntry(table, index, PagingFormat.MakeEntry(frame, PteFor(m.Vmas.Find(at)!, anonymous)
                    | (Format.FlagsOf(entry) & (PteFlags.Accessed | PteFlags.Dirty))));
            }
            else if (frame == _zeroPage)
            {
                // zap_present_ptes: the zero page is special (vm_normal_page is NULL): no RSS, nothing to free.
                SetEntry(table, index, 0);
            }
            else
            {
                SetEntry(table, index, 0);
                var owner = _cache.OwnerOf(frame);
                m.CountPage(owner?.Backing, -1);
                if (owner is { } key)
                {
                    _cache.Map(key, -1);
                    _unmapped.Add(key);
                }
                else
                {
                    Free(frame);
                }
            }
        }
    }

    /// <summary>
    /// free_pgtables over [first, last]: a table below <paramref name="table"/> whose whole range meets no VMA
    /// (no vmalloc area, for the kernel's: <paramref name="m"/> null) is freed with everything under it and its
    /// entry cleared; a table still in use is searched further down.
    /// </summary>
    private void FreeEmptyTables(ImplMm? m, Pfn table, int depth, ulong tableBase, ulong first, ulong last)
    {
        for (var index = Format.IndexOf(first, depth); depth < Format.Depth - 1
            && index <= Format.IndexOf(last, depth); index++)
        {
            var entry = Entry(table, index);
            if (entry == 0)
            {
                continue;
            }

            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var end = at + Format.SpanOf(depth);
            if (m is null ? VmallocInUse(at, end) : !m.Vmas.IsFree(at, end))
            {
                FreeEmptyTables(m, PagingFormat.FrameOf(entry), depth + 1, at,
                    Math.Max(first, at), Math.Min(last, end - 1));
            }
            else
            {
                FreeTable(m, PagingFormat.FrameOf(entry), depth + 1);
                SetEntry(table, index, 0);
            }
        }
    }

    /// <summary>
    /// A table and the tables under it go back to the buddy allocator (free_pte_range, free_pmd_range ...).
    /// </summary>
    private void FreeTable(ImplMm? m, Pfn table, int depth)
    {
        for (var index = 0; depth < Format.Depth - 1 && index < Format.EntriesPerTable; index++)
        {
            if (Entry(table, index) is var entry && entry != 0)
            {
                FreeTable(m, PagingFormat.FrameOf(entry), depth + 1);
            }
        }

        if (m is not null && PagingFormat.IsAccounted(Format.Levels[depth]))
        {
            m.PgTablesBytes -= Pfn.PageSize;
        }

        Free(table);
    }

    /// <summary>
    /// The entry at <paramref name="depth"/> for <paramref name="addr"/>'s table below: the existing one, or a
    /// zeroed frame taken from <paramref name="frames"/> at <paramref name="next"/>, linked in (__pmd_alloc ...).
    /// </summary>
    private Pfn ChildOrNew(ImplMm? m, Pfn table, int depth, ulong addr, List<Pfn> frames, ref int next)
    {
        var index = Format.IndexOf(addr, depth);
        var entry = Entry(table, index);
        if (entry != 0)
        {
            return PagingFormat.FrameOf(entry);
        }

        var child = frames[next++];
        _memory.Clear(child);
        SetEntry(table, index, PagingFormat.MakeEntry(child, m is null ? KernelTable : UserTable));
        if (m is not null && PagingFormat.IsAccounted(Format.Levels[depth + 1]))
        {
            m.PgTablesBytes += Pfn.PageSize;
        }

        return child;
    }

    /// <summary>How many tables below <paramref name="table"/> a mapping of [first, last] still lacks.</summary>
    private ulong MissingTables(Pfn table, int depth, ulong tableBase, ulong first, ulong last)
    {
        var missing = 0UL;
        var entries = new LoopBound(Format.EntriesPerTable);
        for (var index = Format.IndexOf(first, depth);
            depth < Format.Depth - 1 && index <= Format.IndexOf(last, depth);
            index++)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            entries.Next();
            var at = tableBase + ((ulong)index << Format.Shift(depth));
            var from = Math.Max(first, at);
            var to = Math.Min(last, at + Format.SpanOf(depth) - 1);
            var entry = Entry(table, index);
            if (entry != 0)
            {
                missing += MissingTables(PagingFormat.FrameOf(entry), depth + 1, at, from, to);
                continue;
            }

            var levels = new LoopBound(Format.Depth);
            for (var below = depth; below < Format.Depth - 1; below++)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                levels.Next();
                missing += (to / Format.SpanOf(below)) - (from / Format.SpanOf(below)) + 1;
            }
        }

        return missing;
    }
}
