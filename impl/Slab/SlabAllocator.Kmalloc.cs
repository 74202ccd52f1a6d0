using System.Numerics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// kmalloc, kfree and ksize (mm/slab_common.c): the kmalloc caches (kmalloc_slab) and the large kmallocs
/// (kmalloc_large, free_large_kmalloc) whose blocks go back to the buddy allocator.
/// </summary>
public sealed partial class SlabAllocator
{
    public Result<VirtAddr> Kmalloc(ulong size)
    {
        if (size == 0)
        {
            return KmallocSizes.ZeroSizePtr;
        }

        if (size <= KmallocSizes.MaxCacheSize)
        {
            return SlabAlloc(_caches[KmallocSlab(size)]!);
        }

        return size > KmallocSizes.MaxSize ? new KmallocTooLarge(size) : KmallocLarge(size);
    }

    public Result<Unit> Kfree(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return Unit.Value;
        }

        var place = VirtToSlab(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, index, pfn) = place.Value;
        return slab is null ? FreeLarge(pfn) : SlabFree(addr, slab, index);
    }

    public Result<ulong> Ksize(VirtAddr addr)
    {
        if (addr.Value <= KmallocSizes.ZeroSizePtr.Value)
        {
            return 0UL;
        }

        var place = LiveObject(addr);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        var (slab, _, pfn) = place.Value;
        return slab is null ? Pfn.PageSize << _largeOrder[pfn] : slab.Cache.Geometry.Size;
    }

    /// <summary>kmalloc_slab: kmalloc_size_index up to 192 bytes, fls(size - 1) above.</summary>
    private static int KmallocSlab(ulong size) =>
        size <= 192 ? KmallocSizeIndex[(size - 1) / 8] : BitOperations.Log2(size - 1);

    /// <summary>kmalloc_large: a block of get_order(size), its frames marked as one large kmalloc.</summary>
    private Result<VirtAddr> KmallocLarge(ulong size)
    {
        var order = KmallocSizes.LargeOrder(size);
        var pages = Pages.AllocPages(order, ZoneType.Normal);
        if (!pages.IsOk)
        {
            return new LargeKmallocOutOfMemory(size, order);
        }

        var pfn = (int)pages.Value.Value;
        Array.Fill(_largeHead, pfn, pfn, 1 << order.Value);
        _largeOrder[pfn] = (byte)order.Value;
        return DirectMap.Of(pages.Value);
    }

    /// <summary>free_large_kmalloc.</summary>
    private Result<Unit> FreeLarge(int pfn)
    {
        var order = new Order(_largeOrder[pfn]);
        Array.Fill(_largeHead, NoLarge, pfn, 1 << order.Value);
        GiveBack(pfn, order);
        return Unit.Value;
    }

    private void GiveBack(int pfn, Order order)
    {
        var freed = Pages.FreePages(new Pfn((ulong)pfn), order);
        if (!freed.IsOk)
        {
            throw new InvalidOperationException(
                $"the buddy allocator refused the slab layer's block {new Block(new Pfn((ulong)pfn), order)}: "
                + $"{freed.Error}");
        }
    }
}
