using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// vmalloc and vfree in the kernel's tables every address space shares, and PAGE_KERNEL for their pages.
/// </summary>
public partial class PagingModel
{
    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        var span = Format.VmallocEnd - Format.VmallocStart;
        if (pages == 0 || pages >= span / Pfn.PageSize)
        {
            return new InvalidRange(
                new VirtAddr(Format.VmallocStart), pages, "vmalloc size is 0 or larger than the vmalloc range");
        }

        // alloc_vmap_area: the lowest free range that holds the area and its guard page.
        var length = (pages + 1) << Pfn.PageShift;
        var start = Format.VmallocStart;
        foreach (var area in _vmalloc.Values)
        {
            if (area.Start - start >= length)
            {
                break;
            }

            start = area.End;
        }

        if (Format.VmallocEnd - start < length)
        {
            return new NoVirtualSpace(pages + 1);
        }

        var tables = MissingTables(
            _kernelTables, Enumerable.Range(0, (int)pages).Select(i => start + ((ulong)i << Pfn.PageShift))).ToList();
        var frames = AllocFrames(tables.Count + (int)pages);
        if (frames is null)
        {
            return new PagingOutOfMemory($"vmalloc of {pages} pages", tables.Count + (int)pages);
        }

        for (var i = 0; i < tables.Count; i++)
        {
            _kernelTables.Add(tables[i], frames[i]);
        }

        var data = frames.Skip(tables.Count).ToList();
        for (var i = 0; i < data.Count; i++)
        {
            // Zeroed pages (__GFP_ZERO), so what a reader sees does not depend on which frame was picked.
            Memory.Clear(data[i]);
            var page = start + ((ulong)i << Pfn.PageShift);
            _kernelPtes.Add(page, new PageState(page, data[i], KernelPageFlags, new PageOwner(null, 0)));
        }

        _vmalloc.Add(start, new VmallocArea(start, [.. data]));
        return new VirtAddr(start);
    }

    public Result<Unit> Vfree(VirtAddr addr)
    {
        if (!_vmalloc.TryGetValue(addr.Value, out var area))
        {
            return new NotVmallocArea(addr);
        }

        _vmalloc.Remove(addr.Value);
        for (var i = 0; i < area.Frames.Length; i++)
        {
            _kernelPtes.Remove(area.Start + ((ulong)i << Pfn.PageShift));
            Free(area.Frames[i]);
        }

        // Unlike Linux, which keeps kernel page tables, empty vmalloc tables below the shared one are freed too.
        FreeTables(
            _kernelTables,
            (start, end) => _vmalloc.Values.Any(a => a.Start < end && start < a.Start + (a.Pages * Pfn.PageSize)),
            2);
        return Unit.Value;
    }

    /// <summary>PAGE_KERNEL for vmalloc: present, writable, global, supervisor only, not executable.</summary>
    protected virtual PteFlags KernelPageFlags =>
        PteFlags.Present | PteFlags.ReadWrite | PteFlags.Global | (Format.HasNx ? PteFlags.NoExecute : PteFlags.None);
}
