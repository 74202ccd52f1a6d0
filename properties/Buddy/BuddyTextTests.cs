using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using Xunit;

namespace MMSpec.Properties.Buddy;

/// <summary>
/// Everything MMSpec prints for the buddy allocator, exactly: what a failing property shows a reader.
/// </summary>
public sealed class BuddyTextTests
{
    private static readonly Pfn P = new(0x40);
    private static readonly Order Two = new(2);

    [Fact]
    public void Errors_name_the_offending_values()
    {
        Assert.Equal("InvalidOrder: order 11 is outside 0..10", new InvalidOrder(11).ToString());
        Assert.Equal("block pfn 0x40 order 2 ends beyond the last frame (64 frames)",
            new PfnOutOfRange(P, Two, 64).Message);
        Assert.Equal("pfn 0x40 is not aligned to order 2 (4 pages)", new MisalignedPfn(P, Two).Message);
        Assert.Equal("block pfn 0x40 order 2 crosses a zone boundary", new BlockSpansZones(P, Two).Message);
        Assert.Equal("pfn 0x40 order 2 is already free", new DoubleFree(P, Two).Message);
        Assert.Equal("no allocated block starts at pfn 0x40", new NotAllocated(P, Two).Message);
        Assert.Equal("pfn 0x40 was allocated with order 3, freed with order 2",
            new OrderMismatch(P, Two, new Order(3)).Message);
        Assert.Equal("no free block of order 2 in DMA32 or below", new OutOfMemory(Two, ZoneType.Dma32).Message);
    }

    [Fact]
    public void Operations_read_like_kernel_calls()
    {
        Assert.Equal("alloc_pages(order=2, zone<=DMA32)", new AllocPages(Two, ZoneType.Dma32).ToString());
        Assert.Equal("free_pages(pfn=0x40, order=2)", new FreePages(P, Two).ToString());
        Assert.Equal("0x40/2", new Block(P, Two).ToString());
        Assert.Equal("[DMA] free 0x40/2", new Violation("DMA", "free 0x40/2").ToString());
    }

    [Fact]
    public void Results_print_the_value_or_the_error()
    {
        Assert.Equal("0x40", Result<Pfn>.Ok(P).ToString());
        Assert.Equal("ok", Result<Unit>.Ok(Unit.Value).ToString());
        Assert.Equal("DoubleFree: pfn 0x40 order 2 is already free", Result<Unit>.Fail(new DoubleFree(P,
            Two)).ToString());
        Assert.Equal("no value: InvalidOrder: order 12 is outside 0..10",
            Assert.Throws<InvalidOperationException>(() => Result<Pfn>.Fail(new InvalidOrder(12)).Value).Message);
        Assert.Throws<ArgumentNullException>(() => Result<Pfn>.Fail(null!));
    }

    [Fact]
    public void Results_compare_by_value_and_by_error()
    {
        Assert.Equal(Result<Pfn>.Ok(P), Result<Pfn>.Ok(new Pfn(0x40)));
        Assert.NotEqual(Result<Pfn>.Ok(P), Result<Pfn>.Ok(new Pfn(0x41)));
        Assert.NotEqual(Result<Pfn>.Ok(P), Result<Pfn>.Fail(new DoubleFree(P, Two)));
        Assert.NotEqual(Result<Pfn>.Fail(new DoubleFree(P, Two)), Result<Pfn>.Ok(P));
        Assert.True(Result<Pfn>.Fail(new InvalidOrder(11)) == Result<Pfn>.Fail(new InvalidOrder(11)));
        Assert.True(Result<Pfn>.Fail(new InvalidOrder(11)) != Result<Pfn>.Fail(new InvalidOrder(12)));
        Assert.Equal(Result<Pfn>.Ok(P).GetHashCode(), Result<Pfn>.Ok(new Pfn(0x40)).GetHashCode());
        Assert.False(Result<Pfn>.Ok(P).Equals((object)P));
    }

    [Fact]
    public void Layouts_and_zones_print_their_spans()
    {
        var layout = new MemoryLayout(64, new Pfn(16), new Pfn(48), [new PfnRange(new Pfn(0), new Pfn(1)),
            new PfnRange(new Pfn(9), new Pfn(9))]);
        Assert.Equal("layout(64 frames; DMA [0x0, 0x10); DMA32 [0x10, 0x30); Normal [0x30, 0x40); reserved [0x0, 0x1))",
            layout.ToString());
        Assert.Equal("layout(8 frames; DMA [0x0, 0x8); reserved none)", MemoryLayout.Flat(8).ToString());
        Assert.Equal("layout(8 frames; DMA [0x0, 0x8); reserved [0x0, 0x1) [0x4, 0x6))",
            new MemoryLayout(8, MemoryLayout.DefaultDma32Start, MemoryLayout.DefaultNormalStart,
                [new(new Pfn(4), new Pfn(6)), new(new Pfn(0), new Pfn(1))]).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => ZoneNames.Of((ZoneType)3));
    }

    [Fact]
    public void Pfns_compare_by_frame_number()
    {
        Assert.True(new Pfn(1) < new Pfn(2) && new Pfn(2) > new Pfn(1));
        Assert.True(new Pfn(2) <= new Pfn(2) && new Pfn(1) <= new Pfn(2) && !(new Pfn(3) <= new Pfn(2)));
        Assert.True(new Pfn(2) >= new Pfn(2) && new Pfn(3) >= new Pfn(2) && !(new Pfn(1) >= new Pfn(2)));
        Assert.False(new Pfn(2) < new Pfn(2) || new Pfn(2) > new Pfn(2));
    }

    [Fact]
    public void Layouts_are_equal_only_when_every_field_is()
    {
        var reserved = new[] { new PfnRange(new Pfn(0), new Pfn(1)) };
        var layout = new MemoryLayout(64, new Pfn(16), new Pfn(48), reserved);
        Assert.Equal(layout, new MemoryLayout(64, new Pfn(16), new Pfn(48), reserved));
        Assert.Equal(layout.GetHashCode(), new MemoryLayout(64, new Pfn(16), new Pfn(48), reserved).GetHashCode());
        Assert.NotEqual(layout, new MemoryLayout(65, new Pfn(16), new Pfn(48), reserved));
        Assert.NotEqual(layout, new MemoryLayout(64, new Pfn(17), new Pfn(48), reserved));
        Assert.NotEqual(layout, new MemoryLayout(64, new Pfn(16), new Pfn(49), reserved));
        Assert.NotEqual(layout, new MemoryLayout(64, new Pfn(16), new Pfn(48), []));
        Assert.False(layout.Equals(null));
    }

    [Fact]
    public void Snapshot_diff_names_the_blocks_on_each_side()
    {
        var layout = MemoryLayout.Flat(16);
        var a = new BuddySnapshot(layout, [new Block(new Pfn(0), new Order(3))], [new Block(new Pfn(8), new Order(3))]);
        var b = new BuddySnapshot(layout, [new Block(new Pfn(0), new Order(3))],
            [new Block(new Pfn(8), new Order(2)), new Block(new Pfn(12), new Order(2))]);
        var c = new BuddySnapshot(layout, [new Block(new Pfn(8), new Order(3))], [new Block(new Pfn(0), new Order(3))]);
        Assert.Null(a.DiffFrom(new BuddySnapshot(layout, a.Free, a.Allocated)));
        Assert.Equal("allocated blocks differ: only here [0x8/3], only there [0x8/2 0xc/2]", a.DiffFrom(b));
        Assert.Equal("free blocks differ: only here [0x0/3], only there [0x8/3]", a.DiffFrom(c));
        Assert.Equal("free blocks differ: only here [], only there [0x8/3]",
            new BuddySnapshot(layout, [], a.Allocated).DiffFrom(new BuddySnapshot(layout,
                [new Block(new Pfn(8), new Order(3))], a.Allocated)));
        Assert.StartsWith("layouts differ: layout(16 frames", a.DiffFrom(new BuddySnapshot(MemoryLayout.Flat(32),
            a.Free, a.Allocated)), StringComparison.Ordinal);
        Assert.Equal("free: 0x0/3\nallocated: 0x8/3", a.ToString());
    }

    [Fact]
    public void Snapshot_diff_shows_at_most_eight_blocks_a_side()
    {
        var layout = MemoryLayout.Flat(16);
        var many = new BuddySnapshot(layout, Enumerable.Range(0, 16).Select(f =>
            new Block(new Pfn((ulong)f), new Order(0))), []);
        var diff = many.DiffFrom(new BuddySnapshot(layout, [], []));
        Assert.Equal("free blocks differ: only here [0x0/0 0x1/0 0x2/0 0x3/0 0x4/0 0x5/0 0x6/0 0x7/0], only there []",
            diff);
    }
}
