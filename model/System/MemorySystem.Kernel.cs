using System.Collections.Immutable;
using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The kernel's own allocations: slab caches and kmalloc (the slab layer's blocks from the page allocator, through
/// <see cref="SystemPageSource"/>), vmalloc (order-0 pages one by one), and __free_pages of what alloc_pages gave.
/// Each page any of them takes goes through __alloc_pages with the caller's gfp mask.
/// </summary>
public sealed partial class MemorySystem
{
    private readonly ISlabAllocator _slab;
    private readonly SystemPageSource _slabPages;
    private readonly SortedDictionary<ulong, VmallocArea> _vmalloc = [];

    /// <summary>The slab layer's snapshot since its last call: only its own calls change it.</summary>
    private SlabSnapshot? _slabState;

    /// <summary>vmalloc's pages: GFP_KERNEL | __GFP_HIGHMEM (ZONE_NORMAL on x86-64).</summary>
    public const Gfp VmallocGfp = Gfp.Kernel | Gfp.HighMem;

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align) =>
        SlabCall(() => _slab.KmemCacheCreate(name, size, align, null));

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache, Gfp gfp) => RefusedGfp(gfp) is { } refused ? refused
        : SlabCall(() => Allocating(gfp, 0, false, () => _slab.KmemCacheAlloc(cache)));

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj) => SlabCall(() => _slab.KmemCacheFree(cache, obj));

    public Result<VirtAddr> Kmalloc(ulong size, Gfp gfp) => RefusedGfp(gfp) is { } refused ? refused
        : SlabCall(() => Allocating(gfp, 0, false, () => _slab.Kmalloc(size)));

    public Result<Unit> Kfree(VirtAddr addr) => SlabCall(() => _slab.Kfree(addr));

    private Result<T> SlabCall<T>(Func<Result<T>> call)
    {
        _slabState = null;
        return call();
    }

    private SlabSnapshot SlabState() => _slabState ??= _slab.Snapshot();

    /// <summary>
    /// __vmalloc_node_range: a size of 0 or past totalram_pages() is refused ("vmalloc error: size ..., exceeds
    /// total pages"); alloc_vmap_area takes the lowest free range of the 4-level vmalloc space that holds the area
    /// and its guard page; vm_area_alloc_pages takes each page through the slow path. A page that cannot be had
    /// gives back the ones taken (the area is vfree'd) and returns why.
    /// </summary>
    public Result<VirtAddr> Vmalloc(ulong pages)
    {
        if (pages == 0 || pages > Config.Frames)
        {
            return new InvalidRange(new VirtAddr(VmallocStart), pages,
                $"vmalloc error: size {pages * Pfn.PageSize}, exceeds total pages");
        }

        var start = VmallocStart;
        foreach (var area in _vmalloc.Values.TakeWhile(a => a.Start - start < (pages + 1) * Pfn.PageSize))
        {
            start = area.End;
        }

        var frames = new List<Pfn>();
        for (var page = 0UL; page < pages; page++)
        {
            var frame = Allocating(VmallocGfp, 0, false, () => _reclaim.KernelAlloc(new Order(0)));
            if (!frame.IsOk)
            {
                frames.ForEach(FreeKernelPage);
                return frame.Error!;
            }

            frames.Add(frame.Value);
        }

        _vmalloc.Add(start, new VmallocArea(start, [.. frames]));
        return new VirtAddr(start);
    }

    /// <summary>vfree of the area that starts at <paramref name="addr"/>; vfree(NULL) does nothing.</summary>
    public Result<Unit> Vfree(VirtAddr addr)
    {
        if (addr.Value == 0)
        {
            return Unit.Value;
        }

        if (!_vmalloc.Remove(addr.Value, out var area))
        {
            return new NotVmallocArea(addr);
        }

        foreach (var frame in area.Frames)
        {
            FreeKernelPage(frame);
        }

        return Unit.Value;
    }

    private void FreeKernelPage(Pfn frame)
    {
        var freed = _reclaim.KernelFree(frame);
        Debug.Assert(freed.IsOk, "vmalloc's page is a kernel page");
    }

    /// <summary>__free_pages of a block alloc_pages gave; slab and vmalloc pages belong to their allocators.</summary>
    public Result<Unit> FreePages(Pfn pfn) =>
        _slabPages.Holds(pfn) ? new OwnedByAllocator(pfn, "the slab allocator")
        : _vmalloc.Values.Any(a => a.Frames.Contains(pfn)) ? new OwnedByAllocator(pfn, "vmalloc")
        : _reclaim.KernelFree(pfn);

    /// <summary>VMALLOC_START of x86-64's 4-level paging.</summary>
    private static ulong VmallocStart => PagingFormat.FourLevel.VmallocStart;

    private ImmutableArray<VmallocArea> VmallocAreas() => [.. _vmalloc.Values];
}
