using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// kmalloc, kfree and ksize (mm/slab_common.c): the kmalloc caches up to 8 KiB (kmalloc_slab), whole buddy
/// blocks above (kmalloc_large), ZERO_SIZE_PTR for size 0.
/// </summary>
public partial class SlabModel
{
    /// <summary>kmalloc: kmalloc_slab for up to 8 KiB, kmalloc_large above.</summary>
    public Result<VirtAddr> Kmalloc(ulong size)
    {
        size = Requested(size);
        if (size == 0)
        {
            return KmallocSizes.ZeroSizePtr;
        }

        if (size <= KmallocSizes.MaxCacheSize)
        {
            return Allocate(_caches[KmallocIndex(size)]!);
        }

        if (size > KmallocSizes.MaxSize)
        {
            return new KmallocTooLarge(size);
        }

        var order = KmallocSizes.LargeOrder(size);
        var pages = Pages.AllocPages(order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return new LargeKmallocOutOfMemory(size, order);
        }

        _large.Add(pages.Value, order);
        return DirectMap.Of(pages.Value);
    }

    /// <summary>The size kmalloc goes by: the caller's, as is (a broken variant rounds it first).</summary>
    protected virtual ulong Requested(ulong size) => size;

    /// <summary>
    /// kfree: nothing for ZERO_OR_NULL_PTR; otherwise virt_to_slab finds a slab object or a large kmalloc.
    /// </summary>
    public Result<Unit> Kfree(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return Unit.Value;
        }

        var place = Locate(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (cache, slab, index, pfn) = place.Value;
        if (slab is null)
        {
            GiveBack(pfn, _large[pfn]);
            _large.Remove(pfn);
            return Unit.Value;
        }

        return FreeObject(addr, cache!, slab, index);
    }

    /// <summary>
    /// __ksize: the slot size (slab_ksize), or the whole block of a large kmalloc; 0 for ZERO_OR_NULL_PTR.
    /// </summary>
    public Result<ulong> Ksize(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return 0UL;
        }

        var place = LocateLive(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        return place.Value.Cache is { } cache ? cache.Geometry.Size : Pfn.PageSize << _large[place.Value.Pfn].Value;
    }

    /// <summary>kmalloc_slab: the kmalloc cache for 1..8192 bytes.</summary>
    protected virtual int KmallocIndex(ulong size) => KmallocSizes.IndexOf(size);
}
