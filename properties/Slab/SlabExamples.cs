using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>Worked examples with known answers, run on the model and on the implementation.</summary>
public sealed class SlabExamples
{
    [Theory]
    [InlineData(700UL, 0UL, false, 704UL, 1, 11)]
    [InlineData(3000UL, 0UL, false, 3000UL, 3, 10)]
    [InlineData(40000UL, 0UL, false, 40000UL, 4, 1)]
    [InlineData(1UL, 0UL, true, 16UL, 0, 256)]
    [InlineData(100UL, 64UL, false, 128UL, 0, 32)]
    [InlineData(4194304UL, 0UL, false, 4194304UL, 10, 1)]
    [InlineData(8UL, 4194304UL, false, 4194304UL, 10, 1)]
    [InlineData(320UL, 0UL, false, 320UL, 0, 12)]
    [InlineData(344UL, 0UL, false, 344UL, 1, 23)]
    public void Calculate_order_follows_slub_for_one_cpu(
        ulong size, ulong align, bool ctor, ulong slot, int order, int objects)
    {
        var geometry = CacheGeometry.For("c", size, align, ctor).Value;
        Assert.Equal((slot, order, objects), (geometry.Size, geometry.Order.Value, geometry.ObjectsPerSlab));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Kmalloc_caches_have_the_slub_layout_of_a_one_cpu_machine(string side)
    {
        var caches = SlabSides.Create(side, 64).Snapshot().Caches;
        Assert.Equal(
            ["kmalloc-8 512/1", "kmalloc-16 256/1", "kmalloc-32 128/1", "kmalloc-64 64/1", "kmalloc-96 42/1",
             "kmalloc-128 32/1", "kmalloc-192 21/1", "kmalloc-256 16/1", "kmalloc-512 8/1", "kmalloc-1k 8/2",
             "kmalloc-2k 8/4", "kmalloc-4k 8/8", "kmalloc-8k 4/8"],
            caches.Select(c => $"{c.Name} {c.Geometry.ObjectsPerSlab}/{1 << c.Geometry.Order.Value}"));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Constructor_runs_once_per_object_and_a_freed_object_keeps_its_state(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("inode", 24, 0, new CacheCtor(0xabc)).Value;
        var obj = slab.KmemCacheAlloc(cache).Value;
        Assert.Equal(0xabcUL, slab.ReadWord(obj).Value);
        Assert.True(slab.WriteWord(obj, 0x55).IsOk);
        Assert.True(slab.KmemCacheFree(cache, obj).IsOk);
        Assert.Equal(obj, slab.KmemCacheAlloc(cache).Value);
        Assert.Equal(0x55UL, slab.ReadWord(obj).Value);
        var state = slab.Snapshot().Cache(cache)!;
        Assert.Equal(state.Geometry.ObjectsPerSlab, state.CtorCalls);
        Assert.Equal(128, state.Geometry.ObjectsPerSlab);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Allocation_takes_a_partial_slab_then_an_empty_one_then_a_new_one(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("big", 2048, 0, null).Value;
        var objects = Enumerable.Range(0, 16).Select(_ => slab.KmemCacheAlloc(cache).Value).ToList();
        Assert.Equal(2, slab.Snapshot().Cache(cache)!.Slabs.Length);
        objects.Skip(8).ToList().ForEach(o => Assert.True(slab.Kfree(o).IsOk));
        Assert.True(slab.Kfree(objects[3]).IsOk);
        Assert.Equal([SlabList.Partial, SlabList.Empty], slab.Snapshot().Cache(cache)!.Slabs.Select(s => s.List));
        Assert.Equal(objects[3], slab.KmemCacheAlloc(cache).Value);
        Assert.Contains(slab.KmemCacheAlloc(cache).Value, objects.Skip(8));
        Assert.True(slab.KmemCacheShrink(cache).IsOk);
        Assert.Equal([SlabList.Full, SlabList.Partial], slab.Snapshot().Cache(cache)!.Slabs.Select(s => s.List));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Bad_input_gets_the_typed_error_that_names_it_and_changes_nothing(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("c", 32, 0, null).Value;
        var obj = slab.KmemCacheAlloc(cache).Value;
        var freed = slab.Kmalloc(64).Value;
        Assert.True(slab.Kfree(freed).IsOk);
        var before = slab.Snapshot();

        var interior = new VirtAddr(obj.Value + 8);
        var freePage = DirectMap.Of(new Pfn(40));
        var outside = new VirtAddr(DirectMap.PageOffset + (64 * Pfn.PageSize));
        Assert.Equal(new NotObjectStart(interior, "c"), slab.Kfree(interior).Error);
        Assert.Equal(new ObjectAlreadyFree(freed, "kmalloc-64"), slab.Kfree(freed).Error);
        Assert.Equal(new NotSlabPage(freePage, new Pfn(40)), slab.Kfree(freePage).Error);
        Assert.Equal(new AddressOutsideDirectMap(outside), slab.Kfree(outside).Error);
        Assert.Equal(new WrongCache(obj, "kmalloc-32", "c"), slab.KmemCacheFree(new CacheId(2), obj).Error);
        Assert.Equal(new ObjectsRemaining("c", 1), slab.KmemCacheDestroy(cache).Error);
        Assert.Equal(new BootCache("kmalloc-8"), slab.KmemCacheDestroy(new CacheId(0)).Error);
        Assert.Equal(new UnknownCache(new CacheId(99)), slab.KmemCacheAlloc(new CacheId(99)).Error);
        Assert.Equal(new InvalidAlignment("d", 24), slab.KmemCacheCreate("d", 8, 24, null).Error);
        Assert.Equal(new InvalidObjectSize("d", 0), slab.KmemCacheCreate("d", 0, 0, null).Error);
        Assert.Equal(
            new InvalidObjectSize("d", (4 << 20) - 4),
            slab.KmemCacheCreate("d", (4 << 20) - 4, 0, new CacheCtor(1)).Error);
        Assert.Equal(new KmallocTooLarge((4 << 20) + 1), slab.Kmalloc((4 << 20) + 1).Error);
        Assert.Equal(new ObjectAlreadyFree(freed, "kmalloc-64"), slab.ReadWord(freed).Error);
        Assert.Null(before.DiffFrom(slab.Snapshot()));
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Zero_size_and_large_kmalloc(string side)
    {
        var slab = SlabSides.Create(side, 2048);
        Assert.Equal(new VirtAddr(16), slab.Kmalloc(0).Value);
        Assert.True(slab.Kfree(new VirtAddr(16)).IsOk);
        Assert.Equal(0UL, slab.Ksize(new VirtAddr(16)).Value);

        var three = slab.Kmalloc(8193).Value;
        Assert.Equal(16384UL, slab.Ksize(three).Value);
        Assert.Equal(
            new NotObjectStart(new VirtAddr(three.Value + 4096), "large kmalloc"),
            slab.Kfree(new VirtAddr(three.Value + 4096)).Error);
        Assert.Equal(
            new NotSlabPage(three, DirectMap.TryPfn(three, 2048, out var pfn, out _) ? pfn : default),
            slab.ReadWord(three).Error);
        var max = slab.Kmalloc(KmallocSizes.MaxSize).Value;
        Assert.Equal(KmallocSizes.MaxSize, slab.Ksize(max).Value);
        var before = slab.Snapshot();
        Assert.Equal(
            new LargeKmallocOutOfMemory(KmallocSizes.MaxSize, new Order(10)), slab.Kmalloc(KmallocSizes.MaxSize).Error);
        Assert.Null(before.DiffFrom(slab.Snapshot()));
        Assert.True(slab.Kfree(max).IsOk);
        Assert.True(slab.Kfree(three).IsOk);
        Assert.Empty(slab.Snapshot().Pages.Allocated);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Slab_growth_without_pages_is_out_of_memory_and_changes_nothing(string side)
    {
        var slab = SlabSides.Create(side, 4);
        var before = slab.Snapshot();
        Assert.Equal(new SlabOutOfMemory("kmalloc-8k", new Order(3)), slab.Kmalloc(8192).Error);
        Assert.Null(before.DiffFrom(slab.Snapshot()));
        Assert.Equal(DirectMap.PageOffset, slab.Kmalloc(512).Value.Value);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Slabinfo_is_the_2_1_format_newest_cache_first(string side)
    {
        var slab = SlabSides.Create(side, 64);
        var cache = slab.KmemCacheCreate("dentry", 192, 0, null).Value;
        Assert.True(slab.KmemCacheAlloc(cache).IsOk);
        Assert.True(slab.Kmalloc(60).IsOk);
        var lines = SlabInfo.Render(slab.Snapshot()).Split('\n');
        Assert.Equal("slabinfo - version: 2.1", lines[0]);
        Assert.Equal(
            "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
                + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
            lines[1]);
        Assert.Equal(
            "dentry                 1     21    192   21    1 : tunables    0    0    0"
                + " : slabdata      1      1      0",
            lines[2]);
        Assert.Equal(
            "kmalloc-8k             0      0   8192    4    8 : tunables    0    0    0"
                + " : slabdata      0      0      0",
            lines[3]);
        Assert.Equal(
            "kmalloc-64             1     64     64   64    1 : tunables    0    0    0"
                + " : slabdata      1      1      0",
            lines[12]);
        Assert.Equal(17, lines.Length);
        Assert.Equal(string.Empty, lines[16]);
    }

    [Fact]
    public void Impl_alloc_and_free_allocate_nothing_on_the_heap_once_warm()
    {
        var slab = new SlabAllocator(new BuddyAllocator(MemoryLayout.Flat(256)));
        var objects = new VirtAddr[64];
        void Round()
        {
            for (var i = 0; i < objects.Length; i++)
            {
                objects[i] = slab.Kmalloc(100).Value;
            }

            var large = slab.Kmalloc(9000).Value;
            Assert.True(slab.Kfree(large).IsOk);
            foreach (var obj in objects)
            {
                Assert.True(slab.Kfree(obj).IsOk);
            }

            // The next round's slabs come from the buddy allocator again, on retired descriptors.
            Assert.True(slab.KmemCacheShrink(new CacheId(5)).IsOk);
        }

        Round();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
