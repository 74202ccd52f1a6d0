using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Impl.Paging;

/// <summary>vmalloc and vfree in the shared kernel tables.</summary>
public sealed partial class PagingSystem
{
    /// <summary>
    /// __vmalloc_node_range: first fit with a guard page, zeroed order-0 pages, tables under the shared one.
    /// </summary>
    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        var span = Format.VmallocEnd - Format.VmallocStart;
        if (pages == 0 || pages >= span / Pfn.PageSize)
        {
            return new InvalidRange(new VirtAddr(Format.VmallocStart), pages,
                "vmalloc size is 0 or larger than the vmalloc range");
        }

        // alloc_vmap_area: the lowest free range that holds the area and its guard page.
        var length = (pages + 1) << Pfn.PageShift;
        var start = Format.VmallocStart;
        var position = 0;
        for (; position < _vmalloc.Count && _vmalloc[position].Start - start < length; position++)
        {
            start = _vmalloc[position].End;
        }

        if (Format.VmallocEnd - start < length)
        {
            return new NoVirtualSpace(pages + 1);
        }

        var last = start + (pages << Pfn.PageShift) - 1;
        var tables = MissingTables(_vmallocTable, 1, Format.VmallocStart, start, last);
        var frames = new List<Pfn>();
        if (!AllocFrames((int)(tables + pages), frames))
        {
            return new PagingOutOfMemory($"vmalloc of {pages} pages", (int)(tables + pages));
        }

        var next = 0;
        var data = frames.GetRange((int)tables, (int)pages);
        for (var i = 0; i < data.Count; i++)
        {
            var page = start + ((ulong)i << Pfn.PageShift);
            var table = _vmallocTable;
            for (var depth = 1; depth < Format.Depth - 1; depth++)
            {
                table = ChildOrNew(null, table, depth, page, frames, ref next);
            }

            // Zeroed pages (__GFP_ZERO), so what a reader sees does not depend on which frame was picked.
            _memory.Clear(data[i]);
            SetEntry(table, Format.IndexOf(page, Format.Depth - 1), PagingFormat.MakeEntry(data[i], KernelPageFlags));
        }

        _vmalloc.Insert(position, new VmallocArea(start, [.. data]));
        return new VirtAddr(start);
    }

    /// <summary>
    /// vfree: unmap and free the pages; then, unlike Linux, free the vmalloc tables below the shared one that no area
    /// needs.
    /// </summary>
    public Result<Unit> Vfree(VirtAddr addr)
    {
        var index = LastAreaBelow(addr.Value + 1);
        if (index < 0 || _vmalloc[index].Start != addr.Value)
        {
            return new NotVmallocArea(addr);
        }

        var area = _vmalloc[index];
        _vmalloc.RemoveAt(index);
        for (var i = 0; i < area.Frames.Length; i++)
        {
            var page = area.Start + ((ulong)i << Pfn.PageShift);
            var table = _vmallocTable;
            var levels = new LoopBound(Format.Depth);
            for (var depth = 1; depth < Format.Depth - 1; depth++)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                levels.Next();
                table = PagingFormat.FrameOf(Entry(table, Format.IndexOf(page, depth)));
            }

            SetEntry(table, Format.IndexOf(page, Format.Depth - 1), 0);
            Free(area.Frames[i]);
        }

        FreeEmptyTables(null, _vmallocTable, 1, Format.VmallocStart, area.Start,
            area.Start + (area.Pages << Pfn.PageShift) - 1);
        return Unit.Value;
    }

    /// <summary>Whether a vmalloc area's pages (its guard page not counted) meet [start, end).</summary>
    private bool VmallocInUse(ulong start, ulong end)
    {
        var index = LastAreaBelow(end);
        return index >= 0 && _vmalloc[index].Start + (_vmalloc[index].Pages << Pfn.PageShift) > start;
    }

    /// <summary>The last area starting below <paramref name="addr"/>, by binary search; -1 when none.</summary>
    private int LastAreaBelow(ulong addr)
    {
        var low = 0;
        var high = _vmalloc.Count;
        var halvings = new LoopBound(32);
        while (low < high)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            halvings.Next();
            var middle = (low + high) / 2;
            if (_vmalloc[middle].Start < addr)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low - 1;
    }
}
