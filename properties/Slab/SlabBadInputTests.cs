using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// Bad input at the edges the generators reach rarely: each gets its typed error and changes nothing, on both sides.
/// </summary>
public sealed class SlabBadInputTests
{
    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void The_first_cache_id_never_created_is_unknown(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var next = new CacheId(KmallocSizes.CacheSizes.Length);
        Assert.Equal(new UnknownCache(next), slab.KmemCacheAlloc(next).Error);
        Assert.Equal(new UnknownCache(next), slab.KmemCacheShrink(next).Error);
        Assert.Equal(new UnknownCache(new CacheId(-1)), slab.KmemCacheDestroy(new CacheId(-1)).Error);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void An_address_in_a_slab_leftover_tail_is_not_an_object(string side)
    {
        // 3000-byte objects: ten in an order-3 slab (30000 bytes), 2768 bytes left over at offset 30000.
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("c", 3000, 0, null).Value;
        var first = slab.KmemCacheAlloc(cache).Value;
        var tail = new VirtAddr(first.Value + 30000);
        var before = slab.Snapshot();

        Assert.Equal(new NotObjectStart(tail, "c"), slab.Kfree(tail).Error);
        Assert.Equal(new NotObjectStart(tail, "c"), slab.KmemCacheFree(cache, tail).Error);
        Assert.Equal(new NotObjectStart(tail, "c"), slab.Ksize(tail).Error);
        Assert.Null(before.DiffFrom(slab.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Words_are_read_and_written_only_in_slab_objects(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var large = slab.Kmalloc(9000).Value;
        var outside = new VirtAddr(0x1000);
        var before = slab.Snapshot();
        var pfn = before.Large.Single().Pfn;

        Assert.Equal(DirectMap.Of(pfn), large);
        Assert.Equal(new NotSlabPage(large, pfn), slab.WriteWord(large, 1).Error);
        Assert.Equal(new NotSlabPage(large, pfn), slab.ReadWord(large).Error);
        Assert.Equal(new AddressOutsideDirectMap(outside), slab.WriteWord(outside, 1).Error);
        Assert.Equal(new AddressOutsideDirectMap(outside), slab.ReadWord(outside).Error);
        Assert.Equal(new AddressOutsideDirectMap(outside), slab.Ksize(outside).Error);
        Assert.Equal(16384UL, slab.Ksize(large).Value);
        Assert.Null(before.DiffFrom(slab.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Kmalloc_of_exactly_4_mib_is_a_large_kmalloc_and_one_byte_more_is_refused(string side)
    {
        var slab = SlabSides.Create(side, 2048);
        Assert.Equal(new KmallocTooLarge(KmallocSizes.MaxSize + 1), slab.Kmalloc(KmallocSizes.MaxSize + 1).Error);
        var whole = slab.Kmalloc(KmallocSizes.MaxSize).Value;
        var block = slab.Snapshot().Large.Single();
        Assert.Equal((DirectMap.Of(block.Pfn), Order.Max), (whole, block.Order.Value));
        Assert.True(slab.Kfree(whole).IsOk);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void A_slab_block_freed_behind_the_slab_layer_is_a_broken_invariant_not_a_silent_loss(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("c", 2048, 0, null).Value;
        var obj = slab.KmemCacheAlloc(cache).Value;
        Assert.True(slab.KmemCacheFree(cache, obj).IsOk);
        var block = slab.Snapshot().Cache(cache)!.Slabs.Single().Block;
        Assert.True(slab.Pages.FreePages(block.Pfn, block.Order).IsOk);

        var refused = Assert.Throws<InvalidOperationException>(() => slab.KmemCacheShrink(cache));
        Assert.Equal(
            $"the buddy allocator refused the slab layer's block {block}: {new DoubleFree(block.Pfn, block.Order)}",
            refused.Message);
    }
}
