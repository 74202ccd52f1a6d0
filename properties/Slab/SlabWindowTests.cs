using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The pieces of the slab lockstep's incremental check, pinned directly: snapshots compare equal only when caches,
/// large kmallocs and buddy blocks all agree, and a window keeps the caches it names and those with a slab in it.
/// </summary>
public sealed class SlabWindowTests
{
    [Fact]
    public void Same_as_needs_the_same_caches_large_kmallocs_and_buddy_blocks()
    {
        var pages = new BuddyAllocator(MemoryLayout.Flat(256));
        var slab = new SlabAllocator(pages);
        Assert.True(slab.Kmalloc(64).IsOk);
        var before = slab.Snapshot();
        Assert.True(before.SameAs(slab.Snapshot()));

        Assert.True(slab.Kmalloc(64).IsOk);
        Assert.False(slab.Snapshot().SameAs(before));
        var caches = slab.Snapshot();

        Assert.True(slab.Kmalloc(3 * 4096).IsOk);
        var large = slab.Snapshot();
        Assert.False(large.SameAs(caches));

        Assert.True(pages.AllocPages(new Order(0), ZoneType.Normal).IsOk);
        var blocks = slab.Snapshot();
        Assert.False(blocks.SameAs(large));
    }

    [Fact]
    public void A_window_keeps_the_named_caches_and_those_with_a_slab_in_its_frames()
    {
        var slab = new SlabAllocator(new BuddyAllocator(MemoryLayout.Flat(256)));
        var small = slab.Kmalloc(8).Value;
        var other = slab.Kmalloc(512).Value;
        var whole = slab.Snapshot();
        var smallCache = whole.SlabAt(small)!.Value.Cache.Id;
        var otherSlab = whole.SlabAt(other)!.Value.Slab;

        var named = whole.Within([smallCache], new PfnRange(new Pfn(0), new Pfn(0)));
        Assert.Equal([smallCache], named.Caches.Select(c => c.Id).ToArray());
        Assert.Empty(named.Caches.Single().Slabs);

        var slabFrames = new PfnRange(otherSlab.Pfn, new Pfn(otherSlab.Pfn.Value + otherSlab.Order.Pages));
        var framed = whole.Within([], slabFrames);
        var cache = Assert.Single(framed.Caches);
        Assert.Equal([otherSlab], cache.Slabs.ToArray());
        Assert.True(slab.SnapshotOf([], new PfnRange(otherSlab.Pfn, new Pfn(otherSlab.Pfn.Value + 1))).SameAs(
            whole.Within([], new PfnRange(otherSlab.Pfn, new Pfn(otherSlab.Pfn.Value + 1)))));
    }
}
