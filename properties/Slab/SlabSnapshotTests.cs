using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// Snapshot equality sees every field (the lockstep comparison rests on it), and its text is what a failure prints.
/// </summary>
public sealed class SlabSnapshotTests
{
    private static readonly CacheGeometry Geometry = CacheGeometry.For("c", 2048, 0, false).Value;
    private static readonly SlabState Slab = new(new Pfn(4), new Order(2), SlabList.Partial, [1, 2]);
    private static readonly CacheState Cache = new(new CacheId(13), "c", Geometry, null, 0, [Slab]);

    [Fact]
    public void Slab_states_differ_in_each_field()
    {
        Assert.Equal(Slab, new SlabState(new Pfn(4), new Order(2), SlabList.Partial, [1, 2]));
        Assert.False(Slab.Equals(null));
        Assert.NotEqual(Slab, Slab with { Pfn = new Pfn(8) });
        Assert.NotEqual(Slab, Slab with { Order = new Order(1) });
        Assert.NotEqual(Slab, Slab with { List = SlabList.Empty });
        Assert.NotEqual(Slab, Slab with { FreeObjects = [1, 3] });
    }

    [Fact]
    public void Cache_states_differ_in_each_field()
    {
        Assert.Equal(Cache, Cache with { Slabs = [Slab with { }] });
        Assert.False(Cache.Equals(null));
        Assert.NotEqual(Cache, Cache with { Id = new CacheId(14) });
        Assert.NotEqual(Cache, Cache with { Name = "d" });
        Assert.NotEqual(Cache, Cache with { Geometry = CacheGeometry.For("c", 1024, 0, false).Value });
        Assert.NotEqual(Cache, Cache with { Ctor = new CacheCtor(1) });
        Assert.NotEqual(Cache, Cache with { CtorCalls = 8 });
        Assert.NotEqual(Cache, Cache with { Slabs = [Slab with { FreeObjects = [1] }] });
    }

    [Fact]
    public void Snapshots_print_their_caches_and_large_kmallocs_sorted()
    {
        var two = Cache with
        {
            Slabs = [Slab, Slab with { Pfn = new Pfn(12), List = SlabList.Full, FreeObjects = [] }],
        };
        var snapshot = new SlabSnapshot(
            [two, Cache with { Id = new CacheId(14), Name = "idle", Slabs = [] }],
            [B(32, 1), B(16, 2)],
            Pages(B(12, 2)));
        Assert.Equal([B(16, 2), B(32, 1)], snapshot.Large.ToArray());
        Assert.Equal(
            "c (cache 13, size 2048, order 2, 8/slab, ctor calls 0): 0x4/2 partial free[1 2]; 0xc/2 full free[]"
                + "\nlarge: 0x10/2 0x20/1",
            snapshot.ToString());
    }

    [Fact]
    public void A_difference_only_in_the_buddy_allocator_is_reported_as_such()
    {
        var mine = new SlabSnapshot([Cache], [], Pages());
        var theirs = new SlabSnapshot([Cache], [], Pages(B(8, 0)));
        Assert.Null(mine.DiffFrom(new SlabSnapshot([Cache], [], Pages())));
        Assert.Equal($"buddy allocator: {mine.Pages.DiffFrom(theirs.Pages)}", mine.DiffFrom(theirs));
    }

    private static Block B(ulong pfn, int order) => new(new Pfn(pfn), new Order(order));

    private static BuddySnapshot Pages(params Block[] extra) => new(MemoryLayout.Flat(64), [], [Slab.Block, .. extra]);
}
