using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The relational model: it adopts any object and any pages SLUB could have handed out, and rejects the rest.
/// </summary>
public sealed class SlabAdoptionTests
{
    [Fact]
    public void Model_adopts_any_free_object_of_the_right_slab_and_rejects_the_rest()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(64)));
        var cache = model.KmemCacheCreate("c", 2048, 0, null).Value;
        var alloc = new KmemCacheAlloc(cache);
        var before = model.Snapshot();

        Assert.StartsWith(
            "page allocator: returned pfn 0x8", model.Adopt(alloc, DirectMap.Of(new Pfn(8))), StringComparison.Ordinal);
        Assert.Equal(
            "returned 0xffff888000000008, which is not an object of a new order-2 c slab at pfn 0x0",
            model.Adopt(alloc, DirectMap.Of(new Pfn(0), 8)));
        Assert.Equal(
            "expected an object of a new c slab, got UnknownCache: no cache 1 (never created, or destroyed)",
            model.Adopt(alloc, new UnknownCache(new CacheId(1))));
        Assert.Null(before.DiffFrom(model.Snapshot()));

        var fifth = DirectMap.Of(new Pfn(0), 5 * 2048);
        Assert.Null(model.Adopt(alloc, fifth));
        Assert.StartsWith(
            $"returned {fifth}, which is not a free object on a Partial slab of c",
            model.Adopt(alloc, fifth),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "expected an object from a Partial slab of c, got SlabOutOfMemory",
            model.Adopt(alloc, new SlabOutOfMemory("c", new Order(2))),
            StringComparison.Ordinal);
        Assert.Null(model.Adopt(alloc, DirectMap.Of(new Pfn(0), 2 * 2048)));
        Assert.Equal([0, 1, 3, 4, 6, 7], model.Snapshot().Cache(cache)!.Slabs.Single().FreeObjects.ToArray());

        var large = new Kmalloc(9000);
        Assert.StartsWith(
            "page allocator: returned pfn 0x8", model.Adopt(large, DirectMap.Of(new Pfn(8))), StringComparison.Ordinal);
        Assert.Null(model.Adopt(large, DirectMap.Of(new Pfn(4))));
        Assert.Equal([new Block(new Pfn(4), new Order(2))], model.Snapshot().Large.ToArray());
        Assert.Equal("expected 0x10, got 0x20", model.Adopt(new Kmalloc(0), new VirtAddr(0x20)));
    }

    [Fact]
    public void Model_on_a_non_adopting_buddy_allocator_requires_the_same_pages()
    {
        var model = new SlabModel(
            new MMSpec.Impl.Buddy.BuddyAllocator(MemoryLayout.Flat(64), MMSpec.Impl.Buddy.Placement.LowestAddress));
        Assert.Equal(
            "the model's page allocator answered 0x0 where the implementation's answered 0x8",
            model.Adopt(new Kmalloc(9000), DirectMap.Of(new Pfn(8))));
        Assert.Empty(model.Snapshot().Pages.Allocated);
        Assert.Null(model.Adopt(new Kmalloc(9000), DirectMap.Of(new Pfn(0))));
    }

    [Fact]
    public void Model_rejects_an_object_from_the_wrong_list_or_outside_the_direct_map()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(64)));
        var cache = model.KmemCacheCreate("c", 2048, 0, null).Value;
        var alloc = new KmemCacheAlloc(cache);
        var outside = new VirtAddr(0x1000);
        Assert.Equal($"returned {outside}, which is outside the direct map", model.Adopt(alloc, outside));

        // One empty slab at pfn 0 (all eight objects freed) and one partial slab at pfn 4.
        var objects = Enumerable.Range(0, 9).Select(_ => model.KmemCacheAlloc(cache).Value).ToList();
        Assert.Equal(DirectMap.Of(new Pfn(4)), objects[8]);
        Assert.All(objects.Take(8), o => Assert.True(model.KmemCacheFree(cache, o).IsOk));
        var before = model.Snapshot();
        Assert.Equal([SlabList.Empty, SlabList.Partial], before.Cache(cache)!.Slabs.Select(s => s.List));

        var onEmpty = DirectMap.Of(new Pfn(0), 2048);
        Assert.Equal(
            $"returned {onEmpty}, which is not a free object on a Partial slab of c"
                + " (___slab_alloc takes a partial slab first, then an empty one)",
            model.Adopt(alloc, onEmpty));
        Assert.Equal(
            $"returned {outside}, which is not a free object on a Partial slab of c"
                + " (___slab_alloc takes a partial slab first, then an empty one)",
            model.Adopt(alloc, outside));
        Assert.Null(before.DiffFrom(model.Snapshot()));
    }

    [Fact]
    public void Model_adopts_a_large_kmalloc_only_as_a_whole_block_or_its_out_of_memory_error()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(4)));
        var large = new Kmalloc(9000);
        var order = new Order(2);
        Assert.Equal(
            "returned 0xffff888000000010, which is not the start of a page in the direct map",
            model.Adopt(large, DirectMap.Of(new Pfn(0), 16)));
        Assert.Equal(
            "returned 0x1000, which is not the start of a page in the direct map",
            model.Adopt(large, new VirtAddr(0x1000)));
        Assert.Equal(
            $"expected a block of order {order}, got {new KmallocTooLarge(9000)}",
            model.Adopt(large, new KmallocTooLarge(9000)));
        Assert.StartsWith(
            "page allocator: ", model.Adopt(large, new LargeKmallocOutOfMemory(9000, order)), StringComparison.Ordinal);
        Assert.Empty(model.Snapshot().Large);

        Assert.Null(model.Adopt(large, DirectMap.Of(new Pfn(0))));
        Assert.Null(model.Adopt(large, new LargeKmallocOutOfMemory(9000, order)));
        Assert.Equal([new Block(new Pfn(0), order)], model.Snapshot().Large.ToArray());
    }

    [Fact]
    public void Model_adopts_a_kmalloc_of_exactly_4_mib_as_a_max_order_block()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(2048)));
        Assert.Null(model.Adopt(new Kmalloc(KmallocSizes.MaxSize), DirectMap.Of(new Pfn(1024))));
        Assert.Equal([new Block(new Pfn(1024), new Order(Order.Max))], model.Snapshot().Large.ToArray());
    }

    [Fact]
    public void Model_rejects_an_address_in_a_new_slabs_leftover_tail()
    {
        // 3000-byte objects: ten in an order-3 slab, 2768 bytes left over from offset 30000.
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(64)));
        var cache = model.KmemCacheCreate("c", 3000, 0, null).Value;
        var tail = DirectMap.Of(new Pfn(0), 30000);
        Assert.Equal(
            $"returned {tail}, which is not an object of a new order-3 c slab at pfn 0x0",
            model.Adopt(new KmemCacheAlloc(cache), tail));
        Assert.Null(model.Adopt(new KmemCacheAlloc(cache), DirectMap.Of(new Pfn(0), 27000)));
    }

    [Fact]
    public void Model_adopts_only_allocations()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(4)));
        var refused = Assert.Throws<ArgumentOutOfRangeException>(
            () => model.Adopt(new Kfree(new VirtAddr(0)), new VirtAddr(0)));
        Assert.StartsWith("only allocations are adopted", refused.Message, StringComparison.Ordinal);
    }
}
