using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>Everything MMSpec prints for the slab allocator, exactly: what a failing property shows a reader.</summary>
public sealed class SlabTextTests
{
    private static readonly VirtAddr A = new(0xffff888000001040);

    [Fact]
    public void Errors_name_the_offending_values()
    {
        Assert.Equal(
            "InvalidObjectSize: cache c: object size 0 is 0 or needs more than one order-10 slab (4194304 bytes)",
            new InvalidObjectSize("c", 0).ToString());
        Assert.Equal("cache c: alignment 24 is not a power of two", new InvalidAlignment("c", 24).Message);
        Assert.Equal("no cache 14 (never created, or destroyed)", new UnknownCache(new CacheId(14)).Message);
        Assert.Equal("kmem_cache_destroy c: Slab cache still has objects (3)", new ObjectsRemaining("c", 3).Message);
        Assert.Equal("kmalloc-8 is a kmalloc cache and is never destroyed", new BootCache("kmalloc-8").Message);
        Assert.Equal(
            "cache c: no free object and no free block of order 3 for a new slab",
            new SlabOutOfMemory("c", new Order(3)).Message);
        Assert.Equal(
            "kmalloc(9000): no free block of order 2", new LargeKmallocOutOfMemory(9000, new Order(2)).Message);
        Assert.Equal("kmalloc(4194305) exceeds KMALLOC_MAX_SIZE (4194304)", new KmallocTooLarge(4194305).Message);
        Assert.Equal("address 0x11 is outside the direct map", new AddressOutsideDirectMap(new VirtAddr(0x11)).Message);
        Assert.Equal(
            "address 0xffff888000001040 is in pfn 0x1, which is not a slab or large kmalloc page",
            new NotSlabPage(A, new Pfn(1)).Message);
        Assert.Equal(
            "address 0xffff888000001040 in a kmalloc-8 page is not the start of an object",
            new NotObjectStart(A, "kmalloc-8").Message);
        Assert.Equal("object 0xffff888000001040 of c is already free", new ObjectAlreadyFree(A, "c").Message);
        Assert.Equal(
            "Wrong slab cache. kmalloc-8 but object 0xffff888000001040 is from c",
            new WrongCache(A, "kmalloc-8", "c").Message);
    }

    [Fact]
    public void Operations_read_like_kernel_calls()
    {
        var c = new CacheId(13);
        Assert.Equal(
            "kmem_cache_create(\"inode\", size=24, align=0, ctor(0xabc))",
            new KmemCacheCreate("inode", 24, 0, new CacheCtor(0xabc)).ToString());
        Assert.Equal(
            "kmem_cache_create(\"x\", size=8, align=8, NULL)", new KmemCacheCreate("x", 8, 8, null).ToString());
        Assert.Equal("kmem_cache_alloc(cache=13)", new KmemCacheAlloc(c).ToString());
        Assert.Equal("kmem_cache_free(cache=13, 0xffff888000001040)", new KmemCacheFree(c, A).ToString());
        Assert.Equal("kmem_cache_shrink(cache=13)", new KmemCacheShrink(c).ToString());
        Assert.Equal("kmem_cache_destroy(cache=13)", new KmemCacheDestroy(c).ToString());
        Assert.Equal("kmalloc(96)", new Kmalloc(96).ToString());
        Assert.Equal("kfree(0xffff888000001040)", new Kfree(A).ToString());
        Assert.Equal("ksize(0xffff888000001040)", new Ksize(A).ToString());
        Assert.Equal("read(0xffff888000001040)", new ReadWord(A).ToString());
        Assert.Equal("write(0xffff888000001040, 0x55)", new WriteWord(A, 0x55).ToString());
    }

    [Fact]
    public void Direct_map_addresses_and_pfns_convert_both_ways()
    {
        Assert.Equal(A, DirectMap.Of(new Pfn(1), 0x40));
        Assert.True(DirectMap.TryPfn(A, 2, out var pfn, out var offset));
        Assert.Equal((new Pfn(1), 0x40UL), (pfn, offset));
        Assert.False(DirectMap.TryPfn(A, 1, out _, out _));
        Assert.False(DirectMap.TryPfn(new VirtAddr(DirectMap.PageOffset - 1), 1, out _, out _));
    }

    [Fact]
    public void Snapshots_print_and_diff_by_cache()
    {
        var geometry = CacheGeometry.For("c", 2048, 0, false).Value;
        var pages = new BuddySnapshot(MemoryLayout.Flat(8), [], [new Block(new Pfn(4), new Order(2))]);
        var slab = new SlabState(new Pfn(4), new Order(2), SlabList.Partial, [1, 2]);
        var a = new SlabSnapshot([new CacheState(new CacheId(13), "c", geometry, null, 0, [slab])], [], pages);
        var b = new SlabSnapshot(
            [new CacheState(new CacheId(13), "c", geometry, null, 0, [slab with { FreeObjects = [1] }])], [], pages);
        Assert.Equal("0x4/2 partial free[1 2]", slab.ToString());
        Assert.Null(a.DiffFrom(new SlabSnapshot(a.Caches, [], pages)));
        Assert.Equal(
            "cache 13 differs:"
                + "\n  here:  c (cache 13, size 2048, order 2, 8/slab, ctor calls 0): 0x4/2 partial free[1 2]"
                + "\n  there: c (cache 13, size 2048, order 2, 8/slab, ctor calls 0): 0x4/2 partial free[1]",
            a.DiffFrom(b));
        Assert.Equal("caches differ: here [13], there []", a.DiffFrom(new SlabSnapshot([], [], pages)));
        Assert.Equal(
            "large kmallocs differ: here [], there [0x4/2]",
            a.DiffFrom(new SlabSnapshot(a.Caches, [new Block(new Pfn(4), new Order(2))], pages)));
    }
}
