using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>The relational model: it adopts any object and any pages SLUB could have handed out, and rejects the rest.</summary>
public sealed class SlabAdoptionTests
{
    [Fact]
    public void Model_adopts_any_free_object_of_the_right_slab_and_rejects_the_rest()
    {
        var model = new SlabModel(new BuddyModel(MemoryLayout.Flat(64)));
        var cache = model.KmemCacheCreate("c", 2048, 0, null).Value;
        var alloc = new KmemCacheAlloc(cache);
        var before = model.Snapshot();

        Assert.StartsWith("page allocator: returned pfn 0x8", model.Adopt(alloc, DirectMap.Of(new Pfn(8))), StringComparison.Ordinal);
        Assert.Equal("returned 0xffff888000000008, which is not an object of a new order-2 c slab at pfn 0x0", model.Adopt(alloc, DirectMap.Of(new Pfn(0), 8)));
        Assert.Equal("expected an object of a new c slab, got UnknownCache: no cache 1 (never created, or destroyed)", model.Adopt(alloc, new UnknownCache(new CacheId(1))));
        Assert.Null(before.DiffFrom(model.Snapshot()));

        var fifth = DirectMap.Of(new Pfn(0), 5 * 2048);
        Assert.Null(model.Adopt(alloc, fifth));
        Assert.StartsWith($"returned {fifth}, which is not a free object on a Partial slab of c", model.Adopt(alloc, fifth), StringComparison.Ordinal);
        Assert.StartsWith("expected an object from a Partial slab of c, got SlabOutOfMemory", model.Adopt(alloc, new SlabOutOfMemory("c", new Order(2))), StringComparison.Ordinal);
        Assert.Null(model.Adopt(alloc, DirectMap.Of(new Pfn(0), 2 * 2048)));
        Assert.Equal([0, 1, 3, 4, 6, 7], model.Snapshot().Cache(cache)!.Slabs.Single().FreeObjects.ToArray());

        var large = new Kmalloc(9000);
        Assert.StartsWith("page allocator: returned pfn 0x8", model.Adopt(large, DirectMap.Of(new Pfn(8))), StringComparison.Ordinal);
        Assert.Null(model.Adopt(large, DirectMap.Of(new Pfn(4))));
        Assert.Equal([new Block(new Pfn(4), new Order(2))], model.Snapshot().Large.ToArray());
        Assert.Equal("expected 0x10, got 0x20", model.Adopt(new Kmalloc(0), new VirtAddr(0x20)));
    }

    [Fact]
    public void Model_on_a_non_adopting_buddy_allocator_requires_the_same_pages()
    {
        var model = new SlabModel(new MMSpec.Impl.Buddy.BuddyAllocator(MemoryLayout.Flat(64), MMSpec.Impl.Buddy.Placement.LowestAddress));
        Assert.Equal("the model's page allocator answered 0x0 where the implementation's answered 0x8", model.Adopt(new Kmalloc(9000), DirectMap.Of(new Pfn(8))));
        Assert.Empty(model.Snapshot().Pages.Allocated);
        Assert.Null(model.Adopt(new Kmalloc(9000), DirectMap.Of(new Pfn(0))));
    }
}
