using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>
/// Each invariant, given a snapshot that breaks exactly it, reports exactly that (and a sound one, nothing).
/// </summary>
public sealed class SlabInvariantTests
{
    private static readonly MemoryLayout Layout = MemoryLayout.Flat(16);
    private static readonly CacheGeometry Big = CacheGeometry.For("c", 2048, 0, false).Value;

    [Fact]
    public void A_sound_snapshot_breaks_no_rule() =>
        Assert.Empty(SlabInvariants.All(Snapshot([Cache(0, Slab(4, SlabList.Partial, 1, 2))], [B(8, 2)])));

    [Fact]
    public void Slab_geometry_catches_a_wrong_order_and_a_free_object_listed_twice()
    {
        var wrongOrder = new SlabState(new Pfn(4), new Order(1), SlabList.Empty, [.. Enumerable.Range(0, 8)]);
        Assert.Equal(
            [new Violation(SlabInvariants.SlabGeometry, "c: slab 0x4/1 is not an aligned block of order 2")],
            SlabInvariants.CheckSlabGeometry(Snapshot([Cache(0, wrongOrder)], [new Block(new Pfn(4), new Order(1))])));
        Assert.Equal(
            [new Violation(
                SlabInvariants.SlabGeometry,
                "c: slab 0x4/2 partial free[1 1] lists a free object twice or one it does not have")],
            SlabInvariants.CheckSlabGeometry(Snapshot([Cache(0, Slab(4, SlabList.Partial, 1, 1))], [])));
    }

    [Fact]
    public void No_overlap_catches_a_large_kmalloc_over_a_slab() =>
        Assert.Equal(
            [new Violation(SlabInvariants.NoOverlap, "large kmalloc 0x4/0 overlaps c 0x4/2")],
            SlabInvariants.CheckNoOverlap(
                Snapshot([Cache(0, Slab(4, SlabList.Full))], [new Block(new Pfn(4), new Order(0))])));

    [Fact]
    public void Pages_are_buddy_blocks_catches_a_slab_the_buddy_allocator_thinks_free() =>
        Assert.Equal(
            [new Violation(
                SlabInvariants.PagesAreBuddyBlocks,
                "held but not allocated in the buddy allocator [0x4/2], allocated but not held [0x0/2]")],
            SlabInvariants.CheckPagesAreBuddyBlocks(new SlabSnapshot(
                [Cache(0, Slab(4, SlabList.Full))], [], new BuddySnapshot(Layout, [], [B(0, 2)]))));

    [Fact]
    public void List_membership_catches_an_empty_slab_on_the_partial_list() =>
        Assert.Equal(
            [new Violation(
                SlabInvariants.ListMembership,
                "c: slab 0x4/2 with 0/8 objects in use is on the Partial list, not Empty")],
            SlabInvariants.All(Snapshot([Cache(0, Slab(4, SlabList.Partial, 0, 1, 2, 3, 4, 5, 6, 7))], [])));

    [Fact]
    public void Constructor_count_catches_a_constructor_run_outside_slab_creation()
    {
        var state = new CacheState(
            new CacheId(13), "c", CacheGeometry.For("c", 2048, 0, true).Value, new CacheCtor(1), 15, []);
        Assert.Empty(
            SlabInvariants.CheckConstructorCount(new SlabSnapshot([state], [], new BuddySnapshot(Layout, [], []))));
        Assert.Equal(
            [new Violation(
                SlabInvariants.ConstructorCount,
                "c: constructor ran 16 times for slabs of 15 objects (0 objects now)")],
            SlabInvariants.CheckConstructorCount(
                new SlabSnapshot([state with { CtorCalls = 16 }], [], new BuddySnapshot(Layout, [], []))));
        Assert.Equal(
            [new Violation(
                SlabInvariants.ConstructorCount,
                "c: constructor ran 8 times for slabs of 8 objects (8 objects now) without a constructor")],
            SlabInvariants.CheckConstructorCount(Snapshot([Cache(8, Slab(4, SlabList.Full))], [])));
    }

    [Fact]
    public void Slab_geometry_catches_a_layout_that_does_not_fit_its_slab()
    {
        string[] Found(CacheGeometry g) =>
            [.. SlabInvariants.CheckSlabGeometry(Snapshot([new CacheState(new CacheId(13), "c", g, null, 0, [])], []))
                .Select(v => v.Detail)];
            Assert.Equal(
                ["c: 9 objects of 2048 bytes, align 8, in a 16384-byte slab"], Found(Big with { ObjectsPerSlab = 9 }));
            Assert.Equal(
                ["c: 0 objects of 2048 bytes, align 8, in a 16384-byte slab"], Found(Big with { ObjectsPerSlab = 0 }));
            Assert.Equal(
                ["c: 8 objects of 2048 bytes, align 4096, in a 16384-byte slab"], Found(Big with { Align = 4096 }));
        Assert.Empty(Found(Big with { ObjectsPerSlab = 1 }));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    public void Slab_geometry_catches_a_free_index_outside_the_slab(int index) =>
        Assert.Equal(
            [new Violation(
                SlabInvariants.SlabGeometry,
                $"c: slab 0x4/2 partial free[{index}] lists a free object twice or one it does not have")],
            SlabInvariants.CheckSlabGeometry(Snapshot([Cache(0, Slab(4, SlabList.Partial, index))], [])));

    [Fact]
    public void Pages_are_buddy_blocks_catches_a_block_allocated_but_not_held() =>
        Assert.Equal(
            [new Violation(
                SlabInvariants.PagesAreBuddyBlocks,
                "held but not allocated in the buddy allocator [], allocated but not held [0x0/2]")],
            SlabInvariants.CheckPagesAreBuddyBlocks(new SlabSnapshot(
                [Cache(0, Slab(4, SlabList.Full))], [], new BuddySnapshot(Layout, [], [B(0, 2), B(4, 2)]))));

    [Fact]
    public void All_reports_every_broken_rule_in_order() =>
        Assert.Equal(EveryRule, SlabInvariants.All(BrokenEverywhere()).Select(v => v.Rule));

    [Fact]
    public void The_window_check_reports_every_rule_it_runs_in_order() =>
        Assert.Equal(EveryRule,
            SlabInvariants.Window(BrokenEverywhere(), new PfnRange(new Pfn(0), new Pfn(16))).Select(v => v.Rule));

    [Fact]
    public void Free_objects_listed_out_of_order_but_once_break_no_rule() =>
        Assert.Empty(SlabInvariants.CheckSlabGeometry(Snapshot([Cache(0, Slab(4, SlabList.Partial, 3, 1))], [])));

    private static readonly string[] EveryRule =
    [
        SlabInvariants.SlabGeometry, SlabInvariants.NoOverlap, SlabInvariants.PagesAreBuddyBlocks,
        SlabInvariants.ListMembership, SlabInvariants.ConstructorCount,
    ];

    /// <summary>One snapshot that breaks every slab rule once.</summary>
    private static SlabSnapshot BrokenEverywhere()
    {
        var broken = new CacheState(new CacheId(13), "c", Big with { Align = 4096 }, null, 8,
            [Slab(4, SlabList.Partial)]);
        return new SlabSnapshot([broken], [B(4, 0)], new BuddySnapshot(Layout, [], [B(0, 2)]));
    }

    private static Block B(ulong pfn, int order) => new(new Pfn(pfn), new Order(order));

    private static SlabState Slab(ulong pfn, SlabList list, params int[] free) =>
        new(new Pfn(pfn), new Order(2), list, [.. free]);

    private static CacheState Cache(long ctorCalls, params SlabState[] slabs) =>
        new(new CacheId(13), "c", Big, null, ctorCalls, [.. slabs]);

    /// <summary>The slabs' blocks and the extra ones allocated in the buddy allocator, the rest free.</summary>
    private static SlabSnapshot Snapshot(CacheState[] caches, Block[] large) =>
        new(caches, large, new BuddySnapshot(
            Layout, [], caches.SelectMany(c => c.Slabs.Select(s => s.Block)).Concat(large).Distinct()));
}
